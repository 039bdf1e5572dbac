/** Where an error happened: reporters group and name issues by the transaction. */
export interface ErrorReportContext {
  /** `GET /api/v1/mentors/:id` for a request (the route template), the job's name otherwise. */
  transaction: string;
  /** Method, path and id (X-Request-Id) of the failed request; never its query string, headers or body. */
  request?: { method: string; path: string; id: string };
}

/** Receives unexpected errors (e.g. Sentry); never throws, never waits. */
export interface ErrorReporter {
  report(error: unknown, context: ErrorReportContext): void;
}

/** Injection token of the application's ErrorReporter; modules inject it @Optional(), so none is needed. */
export const ERROR_REPORTER = Symbol('ERROR_REPORTER');
