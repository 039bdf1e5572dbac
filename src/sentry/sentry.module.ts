import { Global, Module } from '@nestjs/common';
import { ERROR_REPORTER, type ErrorReporter } from '../common/errors/error-reporter.js';
import { reportError } from './sentry.reporter.js';

const sentryErrorReporter: ErrorReporter = { report: reportError };

/** Global: any module may report an error through ERROR_REPORTER without importing Sentry (a no-op without SENTRY_DSN). */
@Global()
@Module({
  providers: [{ provide: ERROR_REPORTER, useValue: sentryErrorReporter }],
  exports: [ERROR_REPORTER],
})
export class SentryModule {}
