import * as Sentry from '@sentry/nestjs';
import { scrubEvent } from './sentry-event.scrubber.js';
import { closeSentry, initSentry, reportError, SENTRY_FLUSH_TIMEOUT_MS } from './sentry.reporter.js';

describe('initSentry', () => {
  // The SDK's crash handlers are process-wide: later spec files in this Jest worker must not inherit them.
  const crashHandlers = () => [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')];
  const before = crashHandlers();
  afterAll(() => {
    for (const listener of process.listeners('uncaughtException'))
      if (!before.includes(listener)) process.off('uncaughtException', listener);
    for (const listener of process.listeners('unhandledRejection'))
      if (!before.includes(listener)) process.off('unhandledRejection', listener);
  });

  it('starts no client without a DSN, and reporting is then a no-op', async () => {
    expect(await initSentry({ dsn: undefined, environment: 'test', release: undefined })).toBe(false);
    expect(Sentry.getClient()).toBeUndefined();
    expect(Sentry.isInitialized()).toBe(false);
    expect(() => reportError(new Error('nobody listens'), { transaction: 'GET /x' })).not.toThrow();
    await expect(closeSentry()).resolves.toBeUndefined();
  });

  it('with a DSN starts a client for errors only: no PII, no tracing, no request instrumentation, every event scrubbed', async () => {
    // Port 9 (discard): nothing is captured here, so nothing is sent.
    expect(await initSentry({ dsn: 'http://publickey@127.0.0.1:9/1', environment: 'test', release: 'r1' })).toBe(true);
    const options = Sentry.getClient()?.getOptions();
    expect(options).toMatchObject({
      dsn: 'http://publickey@127.0.0.1:9/1',
      environment: 'test',
      release: 'r1',
      sendDefaultPii: false,
      beforeSend: scrubEvent,
      shutdownTimeout: SENTRY_FLUSH_TIMEOUT_MS,
    });
    expect(options?.tracesSampleRate).toBeUndefined();
    expect(options?.integrations.map((integration) => integration.name)).toEqual([
      'LinkedErrors',
      'Context',
      'ContextLines',
      'OnUncaughtException',
      'OnUnhandledRejection',
    ]);
    expect(crashHandlers()).toHaveLength(before.length + 2);
    await closeSentry();
    expect(Sentry.getClient()?.getOptions().enabled).toBe(false);
  });
});
