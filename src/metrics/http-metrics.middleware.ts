import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { Histogram, type Registry } from 'prom-client';
import { metricsConfig, type MetricsConfig } from './metrics.config.js';
import { CLIENT_CLOSED_REQUEST, HTTP_DURATION_METRIC, PROMETHEUS_REGISTRY } from './metrics.constants.js';
import { RequestStatsStore } from './request-stats.store.js';
import { RouteTemplateResolver } from './route-template.resolver.js';

/** Buckets the OpenTelemetry HTTP semantic conventions recommend for this histogram, in seconds. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Methods OpenTelemetry names as they are; anything else is reported as `_OTHER`. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

const STARTED_AT = Symbol('mentorhub:metrics:started-at');
type TimedResponse = Response & { [STARTED_AT]?: number };

type HttpLabels = 'http_request_method' | 'http_route' | 'http_response_status_code';

/**
 * Records every HTTP response exactly once. It is mounted ahead of everything else (see
 * `configureApp`), so it sees requests that guards, pipes, the exception filter, the body
 * parser or the not-found handler answer, and it records on the response's single `close`
 * event: complete responses with their status, responses the client abandoned as 499.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  readonly enabled: boolean;
  private readonly duration: Histogram<HttpLabels>;
  /** One listener shared by all responses: `this` is the response, so nothing is allocated per request. */
  private readonly onClose: (this: TimedResponse) => void;

  constructor(
    @Inject(metricsConfig.KEY) config: MetricsConfig,
    @Inject(PROMETHEUS_REGISTRY) registry: Registry,
    private readonly store: RequestStatsStore,
    private readonly routes: RouteTemplateResolver,
  ) {
    this.enabled = config.enabled;
    this.duration = new Histogram({
      name: HTTP_DURATION_METRIC,
      help: 'Duration of HTTP server requests, by method, route template and status code.',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers: [registry],
    });
    const finish = (response: TimedResponse) => this.finish(response);
    this.onClose = function onClose(this: TimedResponse) {
      finish(this);
    };
  }

  use = (_request: Request, response: Response, next: NextFunction): void => {
    (response as TimedResponse)[STARTED_AT] = performance.now();
    response.once('close', this.onClose);
    next();
  };

  private finish(response: TimedResponse): void {
    const durationMs = performance.now() - (response[STARTED_AT] ?? performance.now());
    const request = response.req;
    const aborted = !response.writableFinished;
    const status = aborted ? CLIENT_CLOSED_REQUEST : response.statusCode;
    const route = this.routes.resolve(request, status);
    this.store.record(request.method, route, status, durationMs, aborted);
    const method = KNOWN_METHODS.has(request.method) ? request.method : '_OTHER';
    // OpenTelemetry leaves http.route out when no route matched; an absent label keeps that one series.
    const labels =
      route === undefined
        ? { http_request_method: method, http_response_status_code: status }
        : { http_request_method: method, http_route: route, http_response_status_code: status };
    this.duration.observe(labels, durationMs / 1000);
  }
}
