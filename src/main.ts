import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';
import { API_PREFIX, configureApp, createHttpAdapter } from './app.setup.js';
import { appConfig } from './config/app.config.js';
import { validateConfiguration } from './app.module.js';
import { ConfigError } from './common/config/env.util.js';
import { GracefulShutdownService } from './health/graceful-shutdown.service.js';
import { AppLogger } from './logging/app.logger.js';
import { sentryConfig } from './sentry/sentry.config.js';
import { closeSentry, initSentry } from './sentry/sentry.reporter.js';

/** Drains and closes the app (requests, connections, timers, queued error reports, log file) on SIGTERM/SIGINT, then exits 0. */
function closeOnSignals(app: INestApplication, logger: AppLogger): void {
  const shutdown = (signal: NodeJS.Signals) => {
    app
      .get(GracefulShutdownService)
      .shutdown(app, signal)
      .then(() => closeSentry())
      .then(() => logger.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

async function bootstrap(): Promise<void> {
  try {
    validateConfiguration();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  await initSentry(sentryConfig());
  const config = appConfig();
  const logger = new AppLogger({ level: config.logLevel, file: config.logToFile ? config.logFile : undefined });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter({ trustProxyHops: config.trustProxyHops }), {
    logger,
    abortOnError: false,
  });
  configureApp(app, { swagger: config.swagger });
  // Fastify listens on localhost alone unless given an address: every IPv4 interface, as containers need.
  await app.listen(config.port, '0.0.0.0');
  closeOnSignals(app, logger);
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(
    `MentorHub API listening on http://localhost:${port}/${API_PREFIX}${config.swagger ? ` (docs at http://localhost:${port}/api/docs)` : ''}`,
    'Bootstrap',
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`MentorHub API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
