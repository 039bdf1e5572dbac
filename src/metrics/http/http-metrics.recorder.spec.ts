import type { HttpAdapterHost } from '@nestjs/core';
import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { HttpMetricsRecorder } from './http-metrics.recorder.js';
import type { MetricsConfig } from '../config/metrics.config.js';
import { RequestStatsStore } from './request-stats.store.js';
import { RouteTemplateResolver } from './route-template.resolver.js';

function recorder(enabled: boolean, store: RequestStatsStore): HttpMetricsRecorder {
  const resolver = new RouteTemplateResolver({ httpAdapter: undefined } as unknown as HttpAdapterHost);
  return new HttpMetricsRecorder({ enabled } as MetricsConfig, new Registry(), store, resolver);
}

async function get(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<number>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path: '/x', agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('HttpMetricsRecorder', () => {
  it('listens ahead of the handler already on the server and records each response once', async () => {
    const store = new RequestStatsStore({ maxSeries: 10 });
    const handler = (_request: unknown, response: ServerResponse) => {
      response.statusCode = 418;
      response.end();
    };
    const server = createServer(handler);
    recorder(true, store).attach(server);
    expect(server.listeners('request')).toHaveLength(2);
    expect(server.listeners('request')[1]).toBe(handler);

    expect(await get(server)).toBe(418);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.totals()).toMatchObject({ requests: 1, clientErrors: 1 });
    expect(store.endpoints()[0].statuses).toEqual({ '418': 1 });
  });

  it('attaches nothing with METRICS_ENABLED=false', () => {
    const server = createServer(() => undefined);
    recorder(false, new RequestStatsStore({ maxSeries: 10 })).attach(server);
    expect(server.listeners('request')).toHaveLength(1);
  });
});
