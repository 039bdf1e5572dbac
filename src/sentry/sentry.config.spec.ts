import { ConfigError } from '../common/config/env.util.js';
import { sentryConfig } from './sentry.config.js';

function load(env: Record<string, string>) {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('SENTRY_') || key === 'NODE_ENV') delete process.env[key];
  Object.assign(process.env, env);
  try {
    return sentryConfig();
  } finally {
    process.env = saved;
  }
}

describe('sentryConfig', () => {
  it('is off without SENTRY_DSN, named after NODE_ENV', () => {
    expect(load({})).toEqual({ dsn: undefined, environment: 'development', release: undefined });
    expect(load({ SENTRY_DSN: '  ', NODE_ENV: 'production' })).toEqual({ dsn: undefined, environment: 'production', release: undefined });
  });

  it('takes a DSN, an environment and a release', () => {
    expect(
      load({
        SENTRY_DSN: 'https://abc123@o1.ingest.sentry.io/4507',
        SENTRY_ENVIRONMENT: 'staging-eu',
        SENTRY_RELEASE: 'mentorhub@1.4.2+9f3c',
      }),
    ).toEqual({ dsn: 'https://abc123@o1.ingest.sentry.io/4507', environment: 'staging-eu', release: 'mentorhub@1.4.2+9f3c' });
    expect(load({ SENTRY_DSN: 'http://key@127.0.0.1:9000/sentry/1' }).dsn).toBe('http://key@127.0.0.1:9000/sentry/1');
  });

  it.each([
    'not a url',
    'https://o1.ingest.sentry.io/4507', // no public key
    'https://abc123@o1.ingest.sentry.io/', // no project
    'https://abc123@o1.ingest.sentry.io/project',
    'ftp://abc123@o1.ingest.sentry.io/4507',
  ])('refuses the DSN %s naming the variable, without echoing it', (dsn) => {
    expect(() => load({ SENTRY_DSN: dsn })).toThrow(ConfigError);
    expect(() => load({ SENTRY_DSN: dsn })).toThrow(/^SENTRY_DSN must be a Sentry DSN like https:\/\/<key>@<host>\/<project id>/);
    expect(() => load({ SENTRY_DSN: dsn })).not.toThrow(dsn);
  });

  it('refuses environment and release names Sentry would reject', () => {
    expect(() => load({ SENTRY_ENVIRONMENT: 'eu west' })).toThrow(
      /^SENTRY_ENVIRONMENT must be at most 64 characters without spaces or slashes/,
    );
    expect(() => load({ SENTRY_ENVIRONMENT: 'x'.repeat(65) })).toThrow(/^SENTRY_ENVIRONMENT/);
    expect(() => load({ SENTRY_RELEASE: 'feature/login' })).toThrow(/^SENTRY_RELEASE must be at most 200 characters/);
    expect(() => load({ SENTRY_RELEASE: '..' })).toThrow(/^SENTRY_RELEASE/);
  });
});
