import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { HttpMetricsRecorder } from './http-metrics.recorder.js';
import type { MetricsConfig } from '../config/metrics.config.js';
import { RequestStatsStore } from './request-stats.store.js';
import { RouteTemplateResolver } from './route-template.resolver.js';

function recorder(enabled: boolean, store: RequestStatsStore): HttpMetricsRecorder {
  return new HttpMetricsRecorder({ enabled } as MetricsConfig, new Registry(), store, new RouteTemplateResolver());
}

/** A raw GET (no URL normalisation by a client library), answered with its status. */
function get(app: FastifyInstance, path: string): Promise<number> {
  const { port } = app.server.address() as AddressInfo;
  return new Promise<number>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** A Fastify instance behind Nest's adapter, with the recorder attached and one route. */
async function serve(enabled: boolean, store: RequestStatsStore): Promise<FastifyInstance> {
  const adapter = new FastifyAdapter();
  recorder(enabled, store).attach({ getHttpAdapter: () => adapter } as unknown as INestApplication);
  const app = adapter.getInstance();
  app.get('/items/:id', async (_request, reply) => reply.code(418).send({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('HttpMetricsRecorder', () => {
  let app: FastifyInstance;
  let store: RequestStatsStore;

  beforeEach(async () => {
    store = new RequestStatsStore({ maxSeries: 10 });
    app = await serve(true, store);
  });
  afterEach(() => app.close());

  it('records each response once, under its route template', async () => {
    expect(await get(app, '/items/1')).toBe(418);
    expect(await get(app, '/items/2')).toBe(418);
    await settled();
    expect(store.totals()).toMatchObject({ requests: 2, clientErrors: 2 });
    expect(store.endpoints()).toEqual([expect.objectContaining({ method: 'GET', endpoint: '/items/:id', statuses: { '418': 2 } })]);
  });

  it('puts unknown routes, and requests the adapter answers ahead of the routes, in the one unmatched bucket', async () => {
    expect(await get(app, '/nope/1')).toBe(404);
    // Not a path: the adapter's own request hook hands it to the not-found handler.
    expect(await get(app, '*items/1')).toBe(404);
    await settled();
    expect(store.totals()).toMatchObject({ requests: 2 });
    expect(store.endpoints()).toEqual([expect.objectContaining({ method: '*', endpoint: '(unmatched)', statuses: { '404': 2 } })]);
  });
});

describe('HttpMetricsRecorder with METRICS_ENABLED=false', () => {
  it('records nothing', async () => {
    const store = new RequestStatsStore({ maxSeries: 10 });
    const app = await serve(false, store);
    try {
      expect(await get(app, '/items/1')).toBe(418);
      await settled();
      expect(store.totals().requests).toBe(0);
    } finally {
      await app.close();
    }
  });
});
