import type { ErrorEvent } from '@sentry/nestjs';
import { redactUrlCredentials, scrubEvent } from './sentry-event.scrubber.js';

describe('scrubEvent', () => {
  it('keeps only the method and the URL without its query of a request, and drops user data and breadcrumbs', () => {
    const event: ErrorEvent = {
      type: undefined,
      transaction: 'POST /api/v1/auth/login',
      request: {
        method: 'POST',
        url: 'http://api.example.com/api/v1/auth/login?token=abc#frag',
        query_string: 'token=abc',
        headers: { authorization: 'Bearer eyJhbGciOi', cookie: 'session=s3cret' },
        cookies: { session: 's3cret' },
        data: { email: 'admin@example.com', password: 'hunter2' },
        env: { JWT_SECRET: 'jwt-secret' },
      },
      user: { ip_address: '203.0.113.9', email: 'admin@example.com' },
      breadcrumbs: [{ category: 'console', message: 'Created the admin user with password hunter2' }],
      exception: { values: [{ type: 'Error', value: 'boom' }] },
      tags: { route: '/api/v1/auth/login' },
    };
    const scrubbed = scrubEvent(event);
    expect(scrubbed).toEqual({
      type: undefined,
      transaction: 'POST /api/v1/auth/login',
      request: { method: 'POST', url: 'http://api.example.com/api/v1/auth/login' },
      exception: { values: [{ type: 'Error', value: 'boom' }] },
      tags: { route: '/api/v1/auth/login' },
    });
    for (const secret of ['eyJhbGciOi', 's3cret', 'hunter2', 'jwt-secret', '203.0.113.9', 'token=abc']) {
      expect(JSON.stringify(scrubbed)).not.toContain(secret);
    }
  });

  it('masks credentials in URLs quoted by error messages, linked causes included', () => {
    const scrubbed = scrubEvent({
      type: undefined,
      exception: {
        values: [
          { type: 'Error', value: 'cannot reach postgres://mentorhub:pa%24%24word@db:5432/mentorhub' },
          { type: 'Error', value: 'redis://:r3dis@cache:6379/0 refused; see https://docs.example.com/x' },
          { type: 'Error' },
        ],
      },
    });
    expect(scrubbed.exception?.values).toEqual([
      { type: 'Error', value: 'cannot reach postgres://mentorhub:[Filtered]@db:5432/mentorhub' },
      { type: 'Error', value: 'redis://:[Filtered]@cache:6379/0 refused; see https://docs.example.com/x' },
      { type: 'Error' },
    ]);
  });

  it('leaves URLs without a password alone', () => {
    expect(redactUrlCredentials('http://publickey@127.0.0.1:9000/1 and https://example.com:443/a')).toBe(
      'http://publickey@127.0.0.1:9000/1 and https://example.com:443/a',
    );
  });
});
