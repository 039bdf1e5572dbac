import { Controller, Get, Query } from '@nestjs/common';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { STATUS_FILE } from '../src/backup/catalogue/backup-status.service.js';
import { HealthReportService } from '../src/health/report/health-report.service.js';
import { SystemMetricsService } from '../src/metrics/system/system-metrics.service.js';
import { expectIssues, statusWith } from './support/health-issues.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';
import { adminQuery, ENGINES } from './support/test-database.js';

// The machine's CPU is shared with other work and can read 100 %; these tests are about the other checks.
const IGNORE_MACHINE_CPU = { HEALTH_CPU_THRESHOLD: '100' };

describe.each(ENGINES)('health probes (%s)', (engine) => {
  describe('with the database up', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ engine, env: IGNORE_MACHINE_CPU });
    });
    afterAll(() => t.close());

    it('live answers 200 with Terminus body and no-store', async () => {
      const response = await request(t.http).get('/api/v1/health/live').expect(200);
      expect(response.body).toMatchObject({ status: 'ok' });
      expect(response.headers['cache-control']).toContain('no-store');
    });

    it('ready answers 200 with the database and shutdown checks up', async () => {
      const response = await request(t.http).get('/api/v1/health/ready').expect(200);
      expect(response.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' }, shutdown: { status: 'up' } } });
      expect(response.headers['cache-control']).toContain('no-store');
    });

    it('detailed answers healthy with every check timed', async () => {
      const { body, headers } = await request(t.http).get('/api/v1/health/detailed').expect(200);
      expect(headers['cache-control']).toBe('no-store');
      expectIssues(body.issues, []);
      expect(body.status).toBe(statusWith(body.issues));
      expect(body.checks).toEqual(
        expect.arrayContaining([expect.objectContaining({ check: 'database', status: 'ok', duration_ms: expect.any(Number) })]),
      );
    });

    it('detailed, public, names no filesystem path, version or host name', async () => {
      const diskPath = t.app.get(SystemMetricsService).snapshot().disk.path;
      const { body } = await request(t.http).get('/api/v1/health/detailed').expect(200);
      expect(body.metrics.system.disk).toEqual({ percent: expect.any(Number), usedGb: expect.any(Number), totalGb: expect.any(Number) });
      const text = JSON.stringify(body);
      for (const hidden of [diskPath, resolve(diskPath), hostname(), process.version, process.versions.v8])
        expect(text).not.toContain(hidden);
    });
  });

  it('reports the database unreachable: ready 503, live 200, detailed error 503', async () => {
    const t = await createTestApp({ engine, env: IGNORE_MACHINE_CPU });
    try {
      if (engine === 'sqlite') {
        await t.app.get(DataSource).destroy();
      } else {
        await adminQuery(`DROP DATABASE ${t.database.location} WITH (FORCE)`);
      }
      const ready = await request(t.http).get('/api/v1/health/ready').expect(503);
      expect(ready.body).toMatchObject({ status: 'error', error: { database: { status: 'down', message: 'database unreachable' } } });
      expect(JSON.stringify(ready.body)).not.toMatch(/ECONNREFUSED|does not exist|terminat/i);
      expect(ready.headers['cache-control']).toContain('no-store');
      await request(t.http).get('/api/v1/health/live').expect(200);
      const detailed = await request(t.http).get('/api/v1/health/detailed').expect(503);
      expect(detailed.body.status).toBe('error');
      expectIssues(detailed.body.issues, [{ check: 'database', status: 'critical' }]);
    } finally {
      await t.close();
    }
  });

  it('keeps the detailed report for admins when configured so', async () => {
    const t = await createTestApp({ engine, env: { HEALTH_DETAILED_ACCESS: 'admin' } });
    try {
      const anonymous = await request(t.http).get('/api/v1/health/detailed').expect(401);
      expect(anonymous.headers['cache-control']).toBe('no-store');
      await request(t.http)
        .get('/api/v1/health/detailed')
        .set('authorization', `Bearer ${await t.tokenFor('student')}`)
        .expect(403);
      const { body } = await request(t.http)
        .get('/api/v1/health/detailed')
        .set('authorization', `Bearer ${await t.adminToken()}`)
        .expect(200);
      // Admins alone read it: the measured folder stays.
      expect(body.metrics.system.disk.path).toBe(t.app.get(SystemMetricsService).snapshot().disk.path);
      await request(t.http).get('/api/v1/health/live').expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('a database that hangs (postgres pool exhausted)', () => {
  it('times the check out within its limit while the probes keep answering', async () => {
    const t = await createTestApp({ engine: 'postgres', env: { DATABASE_POOL_SIZE: '2', HEALTH_CHECK_TIMEOUT_MS: '300' } });
    try {
      const dataSource = t.app.get(DataSource);
      const hog = Promise.all([dataSource.query('SELECT pg_sleep(3)'), dataSource.query('SELECT pg_sleep(3)')]);
      // Answered while both connections are still held: only the check's own timeout can have ended it.
      const ready = await request(t.http).get('/api/v1/health/ready').expect(503);
      expect(ready.body.error.database.status).toBe('down');
      await request(t.http).get('/api/v1/health/live').expect(200);
      // The public report names the failed check; the reason (which can quote a host) is for admins.
      const detailed = await request(t.http).get('/api/v1/health/detailed').expect(503);
      expect(detailed.body.issues[0]).toMatchObject({ check: 'database', message: 'database check failed' });
      const full = await t.app.get(HealthReportService).report();
      expect(full.issues[0]).toMatchObject({ check: 'database', message: expect.stringMatching(/timeout of 300ms exceeded/) });
      await hog;
      await request(t.http).get('/api/v1/health/ready').expect(200);
    } finally {
      await t.close();
    }
  });
});

@Controller('test-health')
class FaultController {
  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }

  @Get('block')
  block(@Query('ms') ms: string) {
    const until = Date.now() + Number(ms);
    while (Date.now() < until) {
      // Busy-waits: the event loop is blocked, as a runaway computation would block it.
    }
    return { blocked: Number(ms) };
  }
}

describe('thresholds lowered through configuration', () => {
  it('report degraded with the issue named, observed and thresholded', async () => {
    const t = await createTestApp({
      engine: 'sqlite',
      controllers: [FaultController],
      env: { HEALTH_MEMORY_THRESHOLD: '1', HEALTH_DISK_THRESHOLD: '1', HEALTH_ERROR_RATE_THRESHOLD: '1' },
    });
    try {
      await request(t.http).get('/api/v1/test-health/boom').expect(500);
      await request(t.http).get('/api/v1/mentors').expect(200);
      const { body } = await request(t.http).get('/api/v1/health/detailed').expect(200);
      expect(body.status).toBe('degraded');
      const byCheck = Object.fromEntries((body.issues as { check: string; observed: number }[]).map((issue) => [issue.check, issue]));
      expect(byCheck.memory).toMatchObject({
        status: 'warn',
        threshold: 1,
        observed: expect.any(Number),
        message: 'Memory usage of the machine above 1%',
      });
      expect(byCheck.disk).toMatchObject({ status: 'warn', threshold: 1, message: 'Disk usage above 1%' });
      expect(byCheck.error_rate).toMatchObject({ status: 'warn', observed: 50, threshold: 1 });
      expect(byCheck.database).toBeUndefined();
      expect(body.metrics.system.memory.percent).toBe(byCheck.memory.observed);
      expect(JSON.stringify(body)).not.toContain(TEST_JWT_SECRET);
      await request(t.http).get('/api/v1/health/ready').expect(200);
    } finally {
      await t.close();
    }
  });

  it('report error when the disk is past the critical threshold', async () => {
    const t = await createTestApp({ engine: 'sqlite', env: { HEALTH_DISK_CRITICAL_THRESHOLD: '1' } });
    try {
      const { body } = await request(t.http).get('/api/v1/health/detailed').expect(503);
      expect(body.status).toBe('error');
      expect(body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ check: 'disk', status: 'critical', threshold: 1 })]));
    } finally {
      await t.close();
    }
  });

  it('fail liveness when the event loop stalled past its limit, and degrade the report', async () => {
    const t = await createTestApp({
      engine: 'sqlite',
      controllers: [FaultController],
      env: { METRICS_SAMPLE_INTERVAL_MS: '1000', HEALTH_EVENT_LOOP_LAG_MS: '100', HEALTH_LIVENESS_EVENT_LOOP_LAG_MS: '500' },
    });
    const liveStatus = async () => (await request(t.http).get('/api/v1/health/live')).status;
    const waitForLive = async (status: number) => {
      for (let attempt = 0; attempt < 60 && (await liveStatus()) !== status; attempt++) await sleep(50);
      return liveStatus();
    };
    try {
      await request(t.http).get('/api/v1/test-health/block?ms=1200').expect(200);
      expect(await waitForLive(503)).toBe(503);
      const live = await request(t.http).get('/api/v1/health/live').expect(503);
      expect(live.body.error.event_loop).toMatchObject({ status: 'down', threshold: 500 });
      const { body } = await request(t.http).get('/api/v1/health/detailed').expect(200);
      expect(body.issues).toEqual(
        expect.arrayContaining([expect.objectContaining({ check: 'event_loop', status: 'warn', threshold: 100 })]),
      );
      expect(await waitForLive(200)).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('dependencies of the detailed report', () => {
  it('reports Redis down as degraded, fast, when Redis accepts connections and never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const t = await createTestApp({ engine: 'sqlite', env: { REDIS_URL: `redis://127.0.0.1:${port}/0` } });
    try {
      const { body } = await request(t.http).get('/api/v1/health/detailed').expect(200);
      await request(t.http).get('/api/v1/health/ready').expect(200);
      await request(t.http).get('/api/v1/health/live').expect(200);
      await request(t.http).get('/api/v1/mentors/1').expect(200);
      expect(body.status).toBe('degraded');
      expectIssues(body.issues, [{ check: 'redis', status: 'warn', message: expect.stringMatching(/in-memory cache/) }]);
      expect(body.metrics.cache).toEqual(expect.objectContaining({ store: 'memory', redisConfigured: true, redisHealthy: false }));
      expect(JSON.stringify(body.metrics.cache)).not.toContain(String(port));
    } finally {
      await t.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reports a stale backup as degraded, without failure details', async () => {
    const backupDir = await mkdtemp(join(tmpdir(), 'mentorhub-health-backups-'));
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000).toISOString();
    await writeFile(
      join(backupDir, STATUS_FILE),
      JSON.stringify({
        lastSuccess: { at: threeDaysAgo, name: 'mentorhub_backup_20260101_030000', sizeBytes: 1, durationMs: 1 },
        lastVerifiedAt: threeDaysAgo,
        lastFailure: null,
        lastRunOk: true,
      }),
    );
    const t = await createTestApp({ engine: 'sqlite', env: { BACKUP_DIR: backupDir, BACKUP_ENABLED: 'true' } });
    try {
      // The gauge is computed at scrape time, before anything else has read the status.
      expect((await request(t.http).get('/metrics').expect(200)).text).toMatch(/^mentorhub_backup_stale 1$/m);
      const { body } = await request(t.http).get('/api/v1/health/detailed').expect(200);
      expect(body.status).toBe('degraded');
      expectIssues(body.issues, [
        {
          check: 'backup',
          status: 'warn',
          threshold: 26,
          message: expect.stringMatching(/^The last verified backup is 7\d(\.\d)? h old \(limit 26 h\)$/),
        },
      ]);
      expect(body.metrics.backup).toMatchObject({ stale: true, lastVerifiedAt: threeDaysAgo });
    } finally {
      await t.close();
      await rm(backupDir, { recursive: true, force: true });
    }
  });
});
