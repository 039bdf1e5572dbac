import { BadRequestException, HttpException, HttpStatus, RequestMethod, ValidationPipe, type ValidationError } from '@nestjs/common';
import fastifyStatic from '@fastify/static';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { errorCodes, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { DashboardAssetsService } from './admin-dashboard/dashboard-assets.service.js';
import { ERROR_REPORTER, type ErrorReporter } from './common/errors/error-reporter.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { httpExceptionBody } from './common/filters/error-body.js';
import { documentErrorAnswers } from './common/openapi/error-responses.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './common/json/json-depth.js';
import { REQUEST_ID_HEADER, requestIdOf } from './common/request-context/request-id.js';
import { openRequestContext } from './common/request-context/request-context.js';
import { RejectNulPipe } from './common/pipes/reject-nul.pipe.js';
import { addNoStoreHook } from './health/no-store.decorator.js';
import { appConfig, type AppConfig } from './config/app.config.js';
import { HttpMetricsRecorder } from './metrics/http/http-metrics.recorder.js';
import { PROMETHEUS_PATH } from './metrics/metrics.constants.js';

export const API_PREFIX = 'api/v1';

/** Largest request body (JSON or form) accepted; a larger one answers 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 100 * 1024;

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

/** The segment of a path that does not decode (a stray `%`), as the error names it. */
function undecodableSegment(path: string): string {
  return (
    path.split('/').find((segment) => {
      try {
        decodeURIComponent(segment);
        return false;
      } catch {
        return true;
      }
    }) ?? path
  );
}

/**
 * What Fastify's router refuses before any route or hook runs (a path that does not decode, an
 * over-long path parameter), answered in the API's error shape rather than Fastify's.
 */
function sendRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const exception =
    error instanceof errorCodes.FST_ERR_BAD_URL
      ? new BadRequestException(`Failed to decode param '${undecodableSegment(request.url.split('?')[0])}'`)
      : new HttpException(error.message, error.statusCode ?? HttpStatus.BAD_REQUEST);
  void reply.code(exception.getStatus()).header(REQUEST_ID_HEADER, request.id).send(httpExceptionBody(exception));
}

type RequestHook = Parameters<FastifyAdapter['setOnRequestHook']>[0];

/**
 * Fastify's adapter, with the API's answers to what Fastify itself refuses: the body limit's 413
 * in the words clients have always had, and router errors in the API's error shape, seen by the
 * request hook first like every other request (the metrics count them).
 */
class ApiFastifyAdapter extends FastifyAdapter {
  private requestHook?: RequestHook;

  override setOnRequestHook(hook: RequestHook): void {
    this.requestHook = hook;
    super.setOnRequestHook(hook);
  }

  answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    if (!this.requestHook) return sendRouterError(error, request, reply);
    void this.requestHook(request, reply, () => sendRouterError(error, request, reply));
  }

  override mapException(error: unknown): unknown {
    if (error instanceof errorCodes.FST_ERR_CTP_BODY_TOO_LARGE) {
      return new HttpException('request entity too large', HttpStatus.PAYLOAD_TOO_LARGE, { cause: error });
    }
    return super.mapException(error);
  }
}

/**
 * The HTTP server the application runs on. Behind TRUST_PROXY_HOPS proxies, the client address
 * (`request.ip`) is read from X-Forwarded-For. Every answer carries the request's X-Request-Id.
 * URLs match as they always have: with or without a trailing slash, in any letter case.
 */
export function createHttpAdapter(options: { trustProxyHops?: number } = {}): FastifyAdapter {
  const hops = options.trustProxyHops ?? 0;
  const adapter: ApiFastifyAdapter = new ApiFastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // The addresses of X-Forwarded-For are read from the nearest hop outwards: trusting `hops` of them.
    trustProxy: hops > 0 ? (_address, hop) => hop < hops : false,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false },
    genReqId: requestIdOf,
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      adapter.answerRouterError(error, request, reply),
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  return adapter;
}

/**
 * The message JSON.parse gives for a body that is valid JSON but not an object or array (or only
 * whitespace), which the API refuses like malformed JSON: the offending text, as an unexpected token.
 */
function notAnObjectMessage(text: string, start: number): string {
  try {
    JSON.parse(`${text.slice(0, start)}${'#'.repeat(text.length - start)}`);
  } catch (error) {
    return (error as Error).message.replace(/#+/g, (run) => text.slice(start, start + run.length));
  }
  return 'Unexpected JSON value';
}

/**
 * JSON bodies: an empty one is an empty object; a malformed one, or one that is not an object or
 * array, is a 400 naming the parse error, so all reach the same validation and error answers as
 * any other bad input. So is one nested deeper than MAX_JSON_DEPTH, refused before it is parsed.
 * `__proto__` and `constructor.prototype` keys are refused too: copied onto a DTO, they would
 * change its prototype.
 */
function useJsonBodies(app: NestFastifyApplication): void {
  const parseOptions = { protoAction: 'error', constructorAction: 'error' } as const;
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
    if (body.length === 0) {
      done(null, {});
      return;
    }
    const text = body.toString();
    let value: unknown;
    try {
      const start = text.search(/[^ \t\n\r]/);
      if (start === -1 || (text[start] !== '{' && text[start] !== '[')) {
        throw new SyntaxError(notAnObjectMessage(text, start === -1 ? text.length : start));
      }
      if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      value = secureJson.parse(text, undefined, parseOptions);
    } catch (error) {
      done(new BadRequestException((error as Error).message), undefined);
      return;
    }
    done(null, value);
  });
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: BODY_LIMIT_BYTES });
}

/**
 * Everything main.ts and the end-to-end tests share, so tests exercise the real HTTP surface.
 * Call it on an app built on `createHttpAdapter()`, before `init()`/`listen()`.
 */
export function configureApp(app: NestFastifyApplication, options: { swagger: boolean }): void {
  const fastify = app.getHttpAdapter().getInstance();
  app.get(HttpMetricsRecorder).attach(app);
  fastify.addHook('onRoute', addNoStoreHook);
  fastify.addHook('preHandler', openRequestContext);
  useJsonBodies(app);
  const { corsOrigins } = app.get<AppConfig>(appConfig.KEY);
  if (corsOrigins.length > 0) app.enableCors({ origin: corsOrigins });
  for (const assets of app.get(DashboardAssetsService).staticOptions()) void fastify.register(fastifyStatic, assets);
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: PROMETHEUS_PATH, method: RequestMethod.GET }] });
  app.useGlobalPipes(
    new RejectNulPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new BadRequestException(describeValidationErrors(errors)),
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter(app.getHttpAdapter(), app.get<symbol, ErrorReporter>(ERROR_REPORTER)));
  if (options.swagger) SwaggerModule.setup('api/docs', app, createOpenApiDocument(app));
}

/** The OpenAPI document of the app's routes (call once `configureApp` has set the prefix), every error answer documented. */
export function createOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('MentorHub API')
      .setDescription('Mentors, courses, reviews and users, with built-in operations endpoints')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  return documentErrorAnswers(document);
}
