import { Controller, Get, Injectable, type INestApplication, type OnModuleInit } from '@nestjs/common';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import type { MetricsConfig } from '../src/metrics/config/metrics.config.js';
import { HttpMetricsRecorder } from '../src/metrics/http/http-metrics.recorder.js';
import { MetricsSectionsRegistry } from '../src/metrics/metrics-sections.registry.js';
import { MetricsModule } from '../src/metrics/metrics.module.js';
import type { AdminMetricsDto } from '../src/metrics/metrics.dto.js';
import { MeasureTime, measureTime } from '../src/metrics/operations/measure-time.decorator.js';
import { OperationStatsService } from '../src/metrics/operations/operation-stats.service.js';
import { SystemMetricsService } from '../src/metrics/system/system-metrics.service.js';
import { createBareApp, ROLE_HEADER } from './support/bare-app.js';

const TOKEN = 'scrape-token-of-the-bare-app';
const OPTIONS: MetricsConfig = {
  instance: 'bare-1',
  cluster: { intervalMs: 1000, ttlMs: 5000 },
  enabled: true,
  slowMs: 500,
  token: TOKEN,
  sampleIntervalMs: 100,
  maxSeries: 50,
  excludedPrefixes: ['/probe'],
  diskPath: tmpdir(),
};

/** What a host app of its own adds: a measured method and a section of the admin view. */
@Injectable()
class HostReport implements OnModuleInit {
  constructor(private readonly sections: MetricsSectionsRegistry) {}

  onModuleInit(): void {
    this.sections.register('host', () => ({ ready: true }));
  }

  @MeasureTime({ name: 'host.compute' })
  compute(value: number): number {
    return value * 2;
  }
}

@Controller('host')
class HostController {
  constructor(private readonly report: HostReport) {}

  @Get('compute')
  compute() {
    return { value: this.report.compute(21) };
  }
}

describe('MetricsModule alone in a Nest app', () => {
  let app: INestApplication | undefined;
  let http: App;

  beforeAll(async () => {
    app = await createBareApp({ imports: [MetricsModule.forRoot(OPTIONS)], controllers: [HostController], providers: [HostReport] });
    app.get(HttpMetricsRecorder).attach(app);
    http = app.getHttpServer() as App;
  });
  afterAll(() => app?.close());

  it('serves the admin view to admins only (the host guard reads @AdminOnly)', async () => {
    await request(http).get('/admin/metrics').expect(401);
    await request(http).get('/admin/metrics').set(ROLE_HEADER, 'student').expect(403);
    await request(http).post('/admin/metrics/reset').set(ROLE_HEADER, 'student').expect(403);
  });

  it('counts the host routes, its measured operations and its own section', async () => {
    await request(http).post('/admin/metrics/reset').set(ROLE_HEADER, 'admin').expect(200);
    await request(http).get('/host/compute').expect(200, { value: 42 });
    await request(http).get('/host/compute').expect(200);
    const { body } = await request(http).get('/admin/metrics').set(ROLE_HEADER, 'admin').expect(200);
    const view = body as AdminMetricsDto;
    expect(view.endpoints).toEqual(
      expect.arrayContaining([expect.objectContaining({ endpoint: '/host/compute', method: 'GET', count: 2 })]),
    );
    expect(view.popular_endpoints[0]).toEqual({ endpoint: '/host/compute', method: 'GET', calls: 2 });
    expect(view.operations).toEqual([expect.objectContaining({ name: 'host.compute', count: 2, errors: 0 })]);
    expect(view.system).toMatchObject({ disk_path: tmpdir(), cpu_cores: expect.any(Number) });
    expect(view.host).toEqual({ ready: true });
  });

  it('exposes Prometheus metrics behind the scrape token', async () => {
    const refused = await request(http).get('/metrics').expect(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    const { text } = await request(http).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(text).toMatch(
      /^http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/host\/compute",http_response_status_code="200"\} \d+$/m,
    );
    expect(text).toMatch(/^mentorhub_operation_duration_seconds_count\{operation="host\.compute",outcome="success"\} \d+$/m);
    expect(text).toMatch(/^mentorhub_system_cpu_usage_ratio /m);
  });

  it('shuts down cleanly: the sampler stops and measured code no longer records into it', async () => {
    const operations = app!.get(OperationStatsService);
    const system = app!.get(SystemMetricsService);
    await app!.close();
    app = undefined;
    await system.sample(); // the one that may have been in flight at close
    const lastSample = system.snapshot().sampledAt;
    measureTime('after.close', () => 1);
    expect(operations.snapshot().map((operation) => operation.name)).not.toContain('after.close');
    // Several sampling intervals later, nothing has sampled.
    await sleep(5 * OPTIONS.sampleIntervalMs);
    expect(system.snapshot().sampledAt).toEqual(lastSample);
  });
});
