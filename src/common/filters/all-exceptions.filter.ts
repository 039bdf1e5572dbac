import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter, type HttpServer } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ErrorReporter } from '../errors/error-reporter.js';
import { errorBody, httpExceptionBody } from './error-body.js';

/** The URL's path, without the query string (which may carry what the log must not). */
function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}

/** The route template (`/api/v1/mentors/:id`) Fastify matched, so reports group by endpoint, not by id. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? pathOf(request);
}

/**
 * The one place unknown errors become a 500: the full error goes to the log (and to Sentry when
 * an ErrorReporter is given), the client gets a generic body. HTTP exceptions keep their status and
 * message, in the one error body, and are not reported: they are answers the code chose, 5xx ones included.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(
    private readonly http: HttpServer,
    private readonly reporter?: ErrorReporter,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<unknown>();
    const request = http.getRequest<FastifyRequest>();

    if (exception instanceof HttpException) {
      if (exception.getStatus() >= 500)
        this.logger.warn(`${request.method} ${pathOf(request)} answered ${exception.getStatus()}: ${exception.message}`);
      this.reply(response, exception.getStatus(), httpExceptionBody(exception));
      return;
    }

    const error = exception instanceof Error ? exception : new Error(String(exception));
    const path = pathOf(request);
    this.logger.error(`${request.method} ${path} failed: ${error.message}`, error.stack);
    this.reporter?.report(error, {
      transaction: `${request.method} ${routeOf(request)}`,
      request: { method: request.method, path, id: request.id },
    });
    this.reply(response, HttpStatus.INTERNAL_SERVER_ERROR, errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'An unexpected error occurred'));
  }

  private reply(response: unknown, status: number, body: object): void {
    if (this.http.isHeadersSent(response)) {
      this.http.end(response);
      return;
    }
    this.http.reply(response, body, status);
  }
}
