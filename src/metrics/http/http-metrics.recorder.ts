import { Inject, Injectable, SSE_ABORT_CONTROLLER, type INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { HttpDurationHistogram } from './http-duration.histogram.js';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config.js';
import { CLIENT_CLOSED_REQUEST, PROMETHEUS_REGISTRY } from '../metrics.constants.js';
import { RequestStatsStore } from './request-stats.store.js';
import { RouteTemplateResolver } from './route-template.resolver.js';

/**
 * Records every HTTP response exactly once. It is the adapter's request hook (see `configureApp`),
 * which runs ahead of every other Fastify hook, so it sees requests that guards, pipes, the
 * exception filter, the body parser or the not-found handler answer (and, through the adapter of
 * `createHttpAdapter`, those the router refuses). It records on the response's single `close`
 * event: complete responses with their status, responses the client abandoned as 499. The route
 * template is read from the Fastify request then, whichever step answered.
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

  /** Starts recording the app's requests (before it listens); nothing is attached with METRICS_ENABLED=false. */
  attach(app: INestApplication): void {
    if (this.enabled) (app.getHttpAdapter() as AbstractHttpAdapter).setOnRequestHook(this.onRequest);
  }

  private readonly onRequest = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const startedAt = performance.now();
    const response = reply.raw;
    response.on('close', () => this.finish(request, response, startedAt));
    done();
  };

  private finish(request: FastifyRequest, response: ServerResponse, startedAt: number): void {
    const durationMs = performance.now() - startedAt;
    const eventStream = SSE_ABORT_CONTROLLER in request.raw;
    const aborted = !eventStream && !response.writableFinished;
    const status = aborted ? CLIENT_CLOSED_REQUEST : response.statusCode;
    const route = this.routes.resolve(request);
    this.store.record(request.method, route, status, durationMs, aborted);
    if (!eventStream) this.duration.observe(request.method, route, status, durationMs / 1000);
  }
}
