import { Inject, Injectable, SSE_ABORT_CONTROLLER } from '@nestjs/common';
import type { Request } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { HttpDurationHistogram } from './http-duration.histogram.js';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config.js';
import { CLIENT_CLOSED_REQUEST, PROMETHEUS_REGISTRY } from '../metrics.constants.js';
import { RequestStatsStore } from './request-stats.store.js';
import { RouteTemplateResolver } from './route-template.resolver.js';

/**
 * Records every HTTP response exactly once. It listens to the HTTP server's `request` event
 * ahead of Express (see `configureApp`), so it sees requests that guards, pipes, the exception
 * filter, the body parser or the not-found handler answer, without costing a router dispatch
 * per request as a middleware layer would. It records on the response's single `close` event:
 * complete responses with their status, responses the client abandoned as 499. By then Express
 * has routed the request, so the route template is read from the same request object.
 *
 * Event streams (`@Sse()` routes past their guards, which Nest marks with its abort controller)
 * last as long as their client keeps them open: the client leaving is their normal end, not a
 * 499, and their lifetime is no latency, so they stay out of the duration histogram, where one
 * would read as a slow request in every quantile and latency alert. The JSON view still counts
 * them, under their own route (left out of the rankings by METRICS_EXCLUDED_PREFIXES).
 */
@Injectable()
export class HttpMetricsRecorder {
  readonly enabled: boolean;
  private readonly duration: HttpDurationHistogram;

  constructor(
    @Inject(metricsConfig.KEY) config: MetricsConfig,
    @Inject(PROMETHEUS_REGISTRY) registry: Registry,
    private readonly store: RequestStatsStore,
    private readonly routes: RouteTemplateResolver,
  ) {
    this.enabled = config.enabled;
    this.duration = new HttpDurationHistogram(registry);
  }

  /** Starts recording the server's requests; nothing is attached with METRICS_ENABLED=false. */
  attach(server: Server): void {
    if (this.enabled) server.prependListener('request', this.onRequest);
  }

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const startedAt = performance.now();
    // A closure rather than a property on the response: adding properties to Node's response
    // objects changes their hidden class and slows every other access to them.
    response.on('close', () => this.finish(request as Request, response, startedAt));
  };

  private finish(request: Request, response: ServerResponse, startedAt: number): void {
    const durationMs = performance.now() - startedAt;
    const eventStream = SSE_ABORT_CONTROLLER in request;
    const aborted = !eventStream && !response.writableFinished;
    const status = aborted ? CLIENT_CLOSED_REQUEST : response.statusCode;
    const route = this.routes.resolve(request, status);
    this.store.record(request.method, route, status, durationMs, aborted);
    if (!eventStream) this.duration.observe(request.method, route, status, durationMs / 1000);
  }
}
