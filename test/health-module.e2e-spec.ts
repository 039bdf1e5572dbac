import { Injectable, type INestApplication } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { DataSource } from 'typeorm';
import type { HealthConfig } from '../src/health/config/health.config.js';
import {
  ContributesToHealth,
  type HealthContribution,
  type HealthIndicatorSession,
} from '../src/health/contributions/health-contribution.js';
import { HealthModule } from '../src/health/health.module.js';
import type { HealthReportDto } from '../src/health/report/health-report.dto.js';
import type { MetricsConfig } from '../src/metrics/config/metrics.config.js';
import { MetricsModule } from '../src/metrics/metrics.module.js';
import { createBareApp, ROLE_HEADER } from './support/bare-app.js';

const CHECK_TIMEOUT_MS = 200;
// Thresholds no busy machine reaches: these tests are about the module, not the machine.
const OPTIONS: HealthConfig = {
  instance: 'bare-1',
  cpuPercent: 100,
  memoryPercent: 100,
  diskPercent: 100,
  diskCriticalPercent: 100,
  errorRatePercent: 100,
  eventLoopLagMs: 60_000,
  livenessEventLoopLagMs: 600_000,
  checkTimeoutMs: CHECK_TIMEOUT_MS,
  detailedAccess: 'admin',
  shutdownDrainMs: 0,
  shutdownTimeoutMs: 1000,
};
const METRICS: MetricsConfig = {
  instance: 'bare-1',
  cluster: { intervalMs: 1000, ttlMs: 5000 },
  enabled: true,
  slowMs: 500,
  token: undefined,
  sampleIntervalMs: 60_000,
  maxSeries: 50,
  excludedPrefixes: ['/health'],
  diskPath: tmpdir(),
};

/** A check the host app contributes; each test picks how it behaves. */
@Injectable()
@ContributesToHealth({ check: 'queue', failure: 'warn' })
class QueueHealth implements HealthContribution {
  behaviour: 'up' | 'degraded' | 'throws' | 'hangs' = 'up';

  indicate(indicator: HealthIndicatorSession) {
    switch (this.behaviour) {
      case 'up':
        return indicator.up({ depth: 3 });
      case 'degraded':
        return indicator.degraded({ observed: 120, threshold: 100, message: 'Queue backlog above 100' });
      case 'throws':
        throw new Error('queue client not initialised');
      case 'hangs':
        return new Promise<never>(() => undefined);
    }
  }

  figures() {
    return { queue: { depth: 3 } };
  }
}

/** A contributed check whose failure is critical. */
@Injectable()
@ContributesToHealth({ check: 'ledger', failure: 'critical' })
class LedgerHealth implements HealthContribution {
  reachable = true;

  indicate(indicator: HealthIndicatorSession) {
    return this.reachable ? indicator.up() : indicator.down({ message: 'ledger unreachable' });
  }
}

describe('HealthModule with the metrics module and a database, without cache or backups', () => {
  let folder: string;
  let app: INestApplication | undefined;
  let http: App;
  const detailed = () => request(http).get('/health/detailed').set(ROLE_HEADER, 'admin');

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mentorhub-health-module-'));
    app = await createBareApp({
      imports: [
        TypeOrmModule.forRoot({ type: 'better-sqlite3', database: join(folder, 'host.sqlite') }),
        MetricsModule.forRoot(METRICS),
        HealthModule.forRoot(OPTIONS),
      ],
      providers: [QueueHealth, LedgerHealth],
    });
    http = app.getHttpServer() as App;
  });
  afterAll(async () => {
    await app?.close();
    await rm(folder, { recursive: true, force: true });
  });
  afterEach(() => {
    if (!app) return;
    app.get(QueueHealth).behaviour = 'up';
    app.get(LedgerHealth).reachable = true;
  });

  it('answers the probes', async () => {
    const live = await request(http).get('/health/live').expect(200);
    expect(live.headers['cache-control']).toContain('no-store');
    const ready = await request(http).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' }, shutdown: { status: 'up' } } });
  });

  it('keeps the detailed report for admins when configured so (the host guard reads @AccessFrom)', async () => {
    await request(http).get('/health/detailed').expect(401);
    await request(http).get('/health/detailed').set(ROLE_HEADER, 'student').expect(403);
  });

  it('reports its own checks and the host’s contributions, with their figures, and nothing of cache or backups', async () => {
    const { body } = await detailed().expect(200);
    const report = body as HealthReportDto;
    expect(report).toMatchObject({ status: 'healthy', issues: [] });
    expect(report.checks.map((check) => check.check)).toEqual([
      'database',
      'disk',
      'cpu',
      'memory',
      'heap',
      'event_loop',
      'error_rate',
      'queue',
      'ledger',
    ]);
    expect(report.metrics).toMatchObject({ queue: { depth: 3 }, database: { engine: 'better-sqlite3' } });
    expect(report.metrics).not.toHaveProperty('cache');
    expect(report.metrics).not.toHaveProperty('backup');
  });

  it('turns a degraded contribution into an issue with what it observed', async () => {
    app!.get(QueueHealth).behaviour = 'degraded';
    const { body } = await detailed().expect(200);
    expect(body).toMatchObject({
      status: 'degraded',
      issues: [{ check: 'queue', status: 'warn', observed: 120, threshold: 100, message: 'Queue backlog above 100' }],
    });
  });

  it('reports a check that throws as failed, with its reason', async () => {
    app!.get(QueueHealth).behaviour = 'throws';
    const { body } = await detailed().expect(200);
    expect(body).toMatchObject({
      status: 'degraded',
      issues: [{ check: 'queue', status: 'warn', message: 'queue check failed: queue client not initialised' }],
    });
  });

  it('reports a check that never answers as timed out, and the report still answers', async () => {
    app!.get(QueueHealth).behaviour = 'hangs';
    const { body } = await detailed().expect(200);
    expect(body).toMatchObject({
      status: 'degraded',
      issues: [{ check: 'queue', status: 'warn', message: `queue check failed: timeout of ${CHECK_TIMEOUT_MS}ms exceeded` }],
    });
  });

  it('answers 503 when a critical contribution is down', async () => {
    app!.get(LedgerHealth).reachable = false;
    const { body } = await detailed().expect(503);
    expect(body).toMatchObject({ status: 'error', issues: [{ check: 'ledger', status: 'critical', message: 'ledger unreachable' }] });
  });

  it('shuts down cleanly with the app', async () => {
    const dataSource = app!.get(DataSource);
    await app!.close();
    app = undefined;
    expect(dataSource.isInitialized).toBe(false);
  });
});
