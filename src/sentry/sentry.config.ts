import { registerAs, type ConfigType } from '@nestjs/config';
import { ConfigError, nodeEnv, optionalStringVar } from '../common/config/env.util.js';

/**
 * A Sentry DSN is `http(s)://<public key>@<host>[:port][/path]/<numeric project id>`. The value is
 * not echoed in the error: older DSNs carry a secret key after the public one.
 */
export function parseSentryDsn(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || !url.username || !url.hostname || !/\/\d+$/.test(url.pathname)) {
    throw new ConfigError(`${name} must be a Sentry DSN like https://<key>@<host>/<project id> (unset turns error reporting off)`);
  }
  return raw;
}

/** Sentry refuses environment and release names with whitespace or slashes, or longer than its limit. */
function sentryNameVar(name: string, maxLength: number): string | undefined {
  const raw = optionalStringVar(name);
  if (raw !== undefined && (raw.length > maxLength || /[\s/\\]/.test(raw) || raw === '.' || raw === '..')) {
    throw new ConfigError(`${name} must be at most ${maxLength} characters without spaces or slashes, got "${raw}"`);
  }
  return raw;
}

export const sentryConfig = registerAs('sentry', () => ({
  /** Unset: nothing of the Sentry SDK is loaded or started. */
  dsn: parseSentryDsn('SENTRY_DSN', optionalStringVar('SENTRY_DSN')),
  environment: sentryNameVar('SENTRY_ENVIRONMENT', 64) ?? nodeEnv(),
  release: sentryNameVar('SENTRY_RELEASE', 200),
}));

export type SentryConfig = ConfigType<typeof sentryConfig>;
