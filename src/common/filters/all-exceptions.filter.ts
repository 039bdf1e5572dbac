import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ErrorReporter } from '../errors/error-reporter.js';

/** The route template (`/api/v1/mentors/:id`) Express matched, so reports group by endpoint, not by id. */
function routeOf(request: Request): string {
  const route = (request.route as { path?: unknown } | undefined)?.path;
  return typeof route === 'string' ? request.baseUrl + route : request.path;
}

/**
 * The one place unknown errors become a 500: the full error goes to the log (and to Sentry when
 * an ErrorReporter is given), the client gets a generic body. HTTP exceptions keep their status and body and
 * are not reported: they are answers the code chose, 5xx ones included.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(private readonly reporter?: ErrorReporter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();

    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      if (exception.getStatus() >= 500)
        this.logger.warn(`${request.method} ${request.path} answered ${exception.getStatus()}: ${exception.message}`);
      this.reply(response, exception.getStatus(), typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body);
      return;
    }

    const error = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error(`${request.method} ${request.path} failed: ${error.message}`, error.stack);
    this.reporter?.report(error, {
      transaction: `${request.method} ${routeOf(request)}`,
      request: { method: request.method, path: request.path },
    });
    this.reply(response, HttpStatus.INTERNAL_SERVER_ERROR, {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'Internal Server Error',
      message: 'An unexpected error occurred',
    });
  }

  private reply(response: Response, status: number, body: object): void {
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json(body);
  }
}
