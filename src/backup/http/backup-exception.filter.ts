import { Catch, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { errorBody } from '../../common/filters/error-body.js';
import { BackupError, type BackupErrorCode } from '../backup.errors.js';

function statusOf(code: BackupErrorCode): HttpStatus {
  switch (code) {
    case 'invalid_name':
      return HttpStatus.BAD_REQUEST;
    case 'not_found':
      return HttpStatus.NOT_FOUND;
    case 'in_progress':
    case 'locked':
      return HttpStatus.CONFLICT;
    case 'checksum_mismatch':
    case 'refused':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'failed':
      return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}

/** Maps coded backup failures to HTTP answers; the messages are written for operators and hold no secrets. */
@Catch(BackupError)
export class BackupExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(BackupExceptionFilter.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: BackupError, host: ArgumentsHost): void {
    const status = statusOf(error.code);
    if (status === HttpStatus.INTERNAL_SERVER_ERROR)
      this.logger.error(`Backup request failed at ${error.stage ?? 'unknown'}: ${error.message}`);
    // The API's error body, with the failure's code (and stage) for scripts that tell failures apart.
    const body = { ...errorBody(status, error.message), code: error.code, ...(error.stage ? { stage: error.stage } : {}) };
    // Through the adapter, so the answer is the same on any HTTP platform the host runs.
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, status);
  }
}
