import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { appConfig } from './config/app.config.js';
import { validateConfiguration } from './config/configuration.js';
import { ConfigError } from './config/env.util.js';
import { AppLogger } from './logging/app.logger.js';

async function bootstrap(): Promise<void> {
  try {
    validateConfiguration();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  const config = appConfig();
  const logger = new AppLogger({ level: config.logLevel, file: config.logToFile ? config.logFile : undefined });
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger, abortOnError: false });
  configureApp(app, { swagger: config.swagger });
  app.enableShutdownHooks();
  await app.listen(config.port);
  logger.log(`MentorHub API listening on ${await app.getUrl()}/api/v1 (docs at /api/docs)`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`MentorHub API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
