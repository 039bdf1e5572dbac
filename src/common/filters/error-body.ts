import type { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** The one body of every 4xx/5xx answer; `message` is always one string (validation problems joined by "; "). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/**
 * The error body of an HTTP exception, whatever shape it was thrown with (a string, Nest's
 * `{ message, error }`, a list of validation problems). An object without a message is a
 * document the code chose to send with the status (the health report with its 503) and is kept.
 */
export function httpExceptionBody(exception: HttpException): object {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'string') return errorBody(status, response);
  if (!('message' in response)) return response;
  const { message } = response;
  return errorBody(status, Array.isArray(message) ? message.join('; ') : String(message));
}
