import { BadRequestException, RequestMethod, ValidationPipe, type INestApplication, type ValidationError } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Server } from 'node:http';
import { DASHBOARD_PAGE_ROUTES } from './admin-dashboard/admin-dashboard.constants.js';
import { ERROR_REPORTER, type ErrorReporter } from './common/errors/error-reporter.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { RejectNulPipe } from './common/pipes/reject-nul.pipe.js';
import { HttpMetricsRecorder } from './metrics/http/http-metrics.recorder.js';
import { PROMETHEUS_PATH } from './metrics/metrics.constants.js';

export const API_PREFIX = 'api/v1';

/** Flattens nested validation errors into "field: reason" lines clients can read. */
function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(`property ${error.property} should not exist`) ? `${path} is not an accepted field` : message,
    );
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/** Everything main.ts and the end-to-end tests share, so tests exercise the real HTTP surface. */
export function configureApp(app: INestApplication, options: { swagger: boolean; trustProxyHops?: number }): void {
  if (options.trustProxyHops) (app as NestExpressApplication).set('trust proxy', options.trustProxyHops);
  // On the HTTP server ahead of Express, so even a request the body parser rejects is measured.
  app.get(HttpMetricsRecorder).attach(app.getHttpServer() as Server);
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: PROMETHEUS_PATH, method: RequestMethod.GET }, ...DASHBOARD_PAGE_ROUTES] });
  app.useGlobalPipes(
    new RejectNulPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new BadRequestException(describeValidationErrors(errors)),
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter(app.get<symbol, ErrorReporter>(ERROR_REPORTER)));
  if (options.swagger) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('MentorHub API')
        .setDescription('Mentors, courses, reviews and users, with built-in operations endpoints')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('api/docs', app, document);
  }
}
