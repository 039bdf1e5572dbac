import type * as SentrySdk from '@sentry/nestjs';
import type { ErrorReportContext } from '../common/errors/error-reporter.js';
import { scrubEvent } from './sentry-event.scrubber.js';
import type { SentryConfig } from './sentry.config.js';

/** Shutdown waits at most this long for pending events, so an unreachable Sentry never holds up an exit. */
export const SENTRY_FLUSH_TIMEOUT_MS = 2_000;

/**
 * The loaded SDK once `initSentry` has started a client. The SDK keeps its client in process-wide
 * state, and the exception filter that reports is built outside dependency injection, so this
 * module is the one handle on it: without a DSN it stays undefined and reporting is a no-op.
 */
let sentry: typeof SentrySdk | undefined;

/**
 * Starts error reporting when SENTRY_DSN is set; without it the SDK is not even loaded (about
 * 40 MB and half a second of start-up), so nothing of it runs. Called from main.ts before the
 * application is created.
 *
 * Error reporting only: no tracing and none of the SDK's automatic instrumentation (OpenTelemetry,
 * the ESM loader hook, the HTTP server wrapper that copies each request's headers and body), so
 * the request path costs nothing. Events come from the exception filter, failed scheduled jobs,
 * and the process-level handlers for uncaught exceptions and unhandled rejections.
 */
export async function initSentry(config: SentryConfig): Promise<boolean> {
  if (!config.dsn) return false;
  const sdk = await import('@sentry/nestjs');
  sdk.init({
    dsn: config.dsn,
    environment: config.environment,
    release: config.release,
    sendDefaultPii: false,
    defaultIntegrations: false,
    integrations: [
      // Error causes, the runtime/OS context, and source lines around each stack frame.
      sdk.linkedErrorsIntegration(),
      sdk.nodeContextIntegration(),
      sdk.contextLinesIntegration(),
      // Reported, then the process exits 1 as Node would; 'strict' keeps an unhandled rejection
      // fatal (a listener alone would make Node carry on).
      sdk.onUncaughtExceptionIntegration(),
      sdk.onUnhandledRejectionIntegration({ mode: 'strict' }),
    ],
    skipOpenTelemetrySetup: true,
    registerEsmLoaderHooks: false,
    beforeSend: scrubEvent,
    shutdownTimeout: SENTRY_FLUSH_TIMEOUT_MS,
  });
  sentry = sdk;
  return true;
}

/** Sends an unexpected error to Sentry when it is enabled; never throws, never waits. */
export function reportError(error: unknown, context: ErrorReportContext): void {
  sentry?.captureException(error, {
    mechanism: { handled: false },
    // Applied to a copy of the scope for this event only: nothing leaks into later events.
    captureContext: (scope) => {
      scope.setTransactionName(context.transaction);
      const { request } = context;
      if (request) {
        scope.setTag('request_id', request.id);
        scope.addEventProcessor((event) => ({ ...event, request: { method: request.method, url: request.path } }));
      }
      return scope;
    },
  });
}

/** Sends what is still queued (at most SENTRY_FLUSH_TIMEOUT_MS) and stops the client; for shutdown. */
export async function closeSentry(): Promise<void> {
  await sentry?.close(SENTRY_FLUSH_TIMEOUT_MS);
}
