import { Inject, Injectable, SSE_ABORT_CONTROLLER } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { HttpDurationHistogram } from './http-duration.histogram.js';
import { metricsConfig, type MetricsConfig } from './metrics.config.js';
import { CLIENT_CLOSED_REQUEST, PROMETHEUS_REGISTRY } from './metrics.constants.js';
import { RequestStatsStore } from './request-stats.store.js';
import { RouteTemplateResolver } from './route-template.resolver.js';

/**
 * Records every HTTP response exactly once, in two parts (see `configureApp`):
 * - a listener on the HTTP server's `request` event, ahead of Fastify's, sees every request Node
 *   hands over, including those Fastify answers before routing (a malformed URL, an over-long path
 *   parameter). It records on the response's single `close` event: complete responses with their
 *   status, responses the client abandoned as 499;
 * - an `onRequest` hook notes the Fastify request of each routed one, so the route it reached is
 *   read when the response closes, whichever step answered it: a guard, a pipe, the body parser,
 *   the handler, the exception filter or the not-found handler.
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
  /** The Fastify request of each routed Node request; a WeakMap, as properties added to Node's request objects change their hidden class. */
  private readonly routed = new WeakMap<IncomingMessage, FastifyRequest>();

  constructor(
    @Inject(metricsConfig.KEY) config: MetricsConfig,
    @Inject(PROMETHEUS_REGISTRY) registry: Registry,
    private readonly store: RequestStatsStore,
    private readonly routes: RouteTemplateResolver,
  ) {
    this.enabled = config.enabled;
    this.duration = new HttpDurationHistogram(registry);
  }

  /** Starts recording the requests of this Fastify instance (before its routes are registered); nothing is attached with METRICS_ENABLED=false. */
  attach(fastify: FastifyInstance): void {
    if (!this.enabled) return;
    fastify.server.prependListener('request', this.onRequest);
    fastify.addHook('onRequest', this.onRouted);
  }

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const startedAt = performance.now();
    response.on('close', () => this.finish(request, response, startedAt));
  };

  private readonly onRouted = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    this.routed.set(request.raw, request);
    done();
  };

  private finish(request: IncomingMessage, response: ServerResponse, startedAt: number): void {
    const durationMs = performance.now() - startedAt;
    const eventStream = SSE_ABORT_CONTROLLER in request;
    const aborted = !eventStream && !response.writableFinished;
    const status = aborted ? CLIENT_CLOSED_REQUEST : response.statusCode;
    const method = request.method ?? 'GET';
    const route = this.routes.resolve(this.routed.get(request));
    this.store.record(method, route, status, durationMs, aborted);
    if (!eventStream) this.duration.observe(method, route, status, durationMs / 1000);
  }
}
