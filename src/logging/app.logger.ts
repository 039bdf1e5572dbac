import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RequestContext } from '../common/request-context/request-context.js';
import { LOG_LEVELS } from '../config/app.config.js';

export interface AppLoggerOptions {
  level: LogLevel;
  /** Also append JSON lines to this file; undefined keeps logs on stdout only. */
  file?: string;
}

/** Levels at or above `level`, in Nest's order of severity. */
export function levelsFrom(level: LogLevel): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}

/**
 * Nest's console output on stdout, plus one JSON object per line in a log file for
 * shipping. The file stream is opened once and appended to without blocking. What is logged
 * while a request is handled carries its id (after the context on the console, `requestId` in the file).
 */
export class AppLogger extends ConsoleLogger {
  private readonly fileStream?: WriteStream;

  constructor(options: AppLoggerOptions) {
    super({ logLevels: levelsFrom(options.level) });
    if (options.file) {
      const path = resolve(options.file);
      mkdirSync(dirname(path), { recursive: true });
      this.fileStream = createWriteStream(path, { flags: 'a' });
      this.fileStream.on('error', (error) => {
        process.stderr.write(`Log file ${path} is not writable: ${error.message}\n`);
      });
    }
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    const requestId = RequestContext.currentRequestId();
    super.printMessages(messages, requestId ? `${context} ${requestId}` : context, logLevel, writeStreamType, errorStack, params);
    if (!this.fileStream?.writable) return;
    for (const message of messages) {
      const entry: Record<string, unknown> = {
        time: new Date().toISOString(),
        level: logLevel,
        pid: process.pid,
        context: context || undefined,
        requestId,
        message: message instanceof Error ? message.message : message,
      };
      if (errorStack) entry.stack = errorStack;
      this.fileStream.write(`${JSON.stringify(entry)}\n`);
    }
  }

  close(): Promise<void> {
    return new Promise((done) => (this.fileStream ? this.fileStream.end(done) : done()));
  }
}
