import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { isIPv6, type AddressInfo } from 'node:net';
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

/** How to reach the server from this machine, for the start-up line: localhost when it listens on every interface. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return isIPv6(host) ? `[${host}]` : host;
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
  // Fastify listens on localhost alone unless given an address: HOST, every IPv4 interface by default, as containers need.
  await app.listen(config.port, config.host);
  closeOnSignals(app, logger);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const base = `http://${urlHost(config.host)}:${port}`;
  logger.log(`MentorHub API listening on ${base}/${API_PREFIX}${config.swagger ? ` (docs at ${base}/api/docs)` : ''}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`MentorHub API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
