import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import type { DashboardSnapshotDto } from '../src/admin-dashboard/admin-dashboard.dto.js';
import { DashboardStreamService } from '../src/admin-dashboard/dashboard-stream.service.js';
import { GracefulShutdownService } from '../src/health/graceful-shutdown.service.js';
import { tempDir } from './support/backup-helpers.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { expectIssues } from './support/health-issues.js';
import { SseClient } from './support/sse-client.js';
import { createTestApp, TEST_ADMIN, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';
import { ENGINES } from './support/test-database.js';
import { eventually } from './support/eventually.js';

const STREAM = '/api/v1/admin/metrics/stream';
const INTERVAL_MS = 200;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}${STREAM}`;
}

const lastBackup = (snapshot: DashboardSnapshotDto) =>
  (snapshot.metrics as unknown as { backup: { lastSuccess: { name: string; sizeBytes: number } | null } }).backup.lastSuccess;

/** Timers that keep the process alive: RxJS's interval is one of them while a producer runs. */
const activeTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe.each(ENGINES)('admin metrics stream (%s)', (engine) => {
  let t: TestApp;
  let url: string;
  let admin: string;
  let backups: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    backups = await tempDir('mentorhub-dashboard-');
    // A disk threshold every machine exceeds makes the health status degraded with a known issue.
    t = await createTestApp({
      engine,
      env: {
        DASHBOARD_STREAM_INTERVAL_MS: String(INTERVAL_MS),
        BACKUP_DIR: backups.path,
        HEALTH_DISK_THRESHOLD: '0.01',
        // The one issue expected is the disk's: the shared machine's CPU and event loop can be busy.
        HEALTH_CPU_THRESHOLD: '100',
        HEALTH_EVENT_LOOP_LAG_MS: '60000',
      },
    });
    url = await listen(t);
    admin = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
    await backups.remove();
  });

  it('is admin only: 401 without or with a bad token, 403 for other roles, and no stream is opened for them', async () => {
    const cases: [string | undefined, number][] = [
      [undefined, 401],
      ['not-a-jwt', 401],
      [await t.tokenFor('student'), 403],
      [await t.tokenFor('mentor'), 403],
    ];
    for (const [token, status] of cases) {
      const client = new SseClient(url, token);
      await client.ended;
      expect(client.status).toBe(status);
      expect(client.headers['content-type']).toMatch(/^application\/json/);
      expect(client.events).toEqual([]);
    }
    expect(t.app.get(DashboardStreamService).clients).toBe(0);
  });

  it('sends the metrics view and the health status with its issues, the first event at once with a retry hint', async () => {
    await request(t.http).get('/api/v1/mentors/1').expect(200);
    await request(t.http).get('/api/v1/mentors?limit=2').expect(200);
    const client = new SseClient(url, admin);
    try {
      await client.waitForEvents(2);
      expect(client.status).toBe(200);
      expect(client.headers['content-type']).toBe('text/event-stream');
      expect(client.headers['x-accel-buffering']).toBe('no');
      expect(client.headers['cache-control']).toMatch(/no-store/);
      expect(client.headers['content-encoding']).toBeUndefined();

      const [first, second] = client.events;
      expect(first).toMatchObject({ type: 'snapshot', retry: 2000 });
      expect(second.retry).toBeUndefined();
      const snapshot = JSON.parse(first.data) as DashboardSnapshotDto;
      expect(first.id).toBe(String(snapshot.sequence));
      expect(snapshot.interval_ms).toBe(INTERVAL_MS);

      const { metrics, health } = snapshot;
      expect(Object.keys(metrics.system)).toEqual(
        expect.arrayContaining(['cpu_percent', 'memory_percent', 'disk_percent', 'event_loop_lag_ms', 'event_loop_lag_p99_ms']),
      );
      expect(metrics.application).toMatchObject({
        total_requests: expect.any(Number),
        error_rate_percent: expect.any(Number),
        requests_per_second: expect.any(Number),
      });
      expect(metrics.popular_endpoints).toEqual(expect.arrayContaining([{ endpoint: '/api/v1/mentors/:id', method: 'GET', calls: 1 }]));
      expect(metrics.endpoints.find((e) => e.endpoint === '/api/v1/mentors/:id')).toMatchObject({
        p50_ms: expect.any(Number),
        p95_ms: expect.any(Number),
        p99_ms: expect.any(Number),
      });
      expect(Array.isArray(metrics.slow_endpoints)).toBe(true);
      const sections = metrics as unknown as Record<string, Record<string, unknown>>;
      expect(sections.cache).toMatchObject({ store: 'memory', redis_healthy: false, hit_rate_percent: expect.any(Number) });
      expect(sections.backup).toMatchObject({ enabled: true, stale: false, lastSuccess: null, ageMs: null });
      expect(health.status).toBe('degraded');
      expectIssues(health.issues, [{ check: 'disk', status: 'warn', threshold: 0.01, message: expect.stringContaining('isk') }]);
      expect(health.checks.map((check) => check.check)).toEqual(expect.arrayContaining(['database', 'cpu', 'disk', 'backup']));

      // A backup made now shows in the following events, from the status kept in memory.
      const created = (await request(t.http).post('/api/v1/admin/backups').set(auth(admin)).expect(201)).body;
      await client.waitFor(() => client.snapshots<DashboardSnapshotDto>().some((s) => lastBackup(s) !== null));
      const latest = lastBackup(client.snapshots<DashboardSnapshotDto>().at(-1)!);
      expect(latest).toMatchObject({ name: created.manifest.name, sizeBytes: expect.any(Number), durationMs: expect.any(Number) });
      expect(latest!.sizeBytes).toBeGreaterThan(0);

      const text = client.events.map((event) => event.data).join('\n');
      for (const secret of [TEST_JWT_SECRET, TEST_ADMIN.password, admin]) expect(text).not.toContain(secret);
    } finally {
      client.close();
    }
  });
});

describe('admin metrics stream (sqlite): one shared producer, its lifecycle, metrics and shutdown', () => {
  let t: TestApp;
  let url: string;
  let admin: string;
  let streams: DashboardStreamService;

  beforeAll(async () => {
    t = await createTestApp({ engine: 'sqlite', env: { DASHBOARD_STREAM_INTERVAL_MS: String(INTERVAL_MS), DEMO_DATA: 'false' } });
    url = await listen(t);
    admin = await t.adminToken();
    streams = t.app.get(DashboardStreamService);
  });
  afterAll(() => t.close());

  it('sends one event per interval, numbered without gaps', async () => {
    const client = new SseClient(url, admin);
    try {
      await client.waitForEvents(1);
      const windowMs = 3000;
      const before = client.events.length;
      await delay(windowMs);
      const received = client.events.length - before;
      const expected = windowMs / INTERVAL_MS;
      // A loaded machine may skip ticks (a snapshot slower than the interval is not queued), never add
      // any: how many it skips depends on the machine, so only the upper bound is the stream's own.
      expect(received).toBeGreaterThan(0);
      expect(received).toBeLessThanOrEqual(expected + 1);
      const ids = client.ids();
      expect(ids).toEqual(ids.map((_, i) => ids[0] + i));
    } finally {
      client.close();
    }
  });

  it('shares one producer between clients, and stops it, with its timer, when the last one leaves', async () => {
    await eventually(() => expect(streams.clients).toBe(0));
    const timersBefore = activeTimers();

    const a = new SseClient(url, admin);
    await a.waitForEvents(3);
    const b = new SseClient(url, admin);
    await b.waitForEvents(4);
    expect(streams.clients).toBe(2);
    // B starts with the latest snapshot A has seen, then both get the same ones: one producer.
    await a.waitFor(() => a.ids().at(-1)! >= b.ids().at(-1)!);
    expect(a.ids()).toEqual(expect.arrayContaining(b.ids()));
    expect(b.ids()[0]).toBeLessThanOrEqual(a.ids()[3]);
    // Two producers would share the counter and leave gaps in what each client receives.
    const ids = a.ids();
    expect(ids).toEqual(ids.map((_, i) => ids[0] + i));

    a.close();
    b.close();
    await eventually(() => expect(streams.clients).toBe(0));
    await eventually(() => expect(activeTimers()).toBe(timersBefore));
    const lastId = Math.max(...a.ids(), ...b.ids());

    // Nobody listens for several intervals: no snapshot is built, so the next client gets the next number.
    await delay(INTERVAL_MS * 5);
    const c = new SseClient(url, admin);
    try {
      await c.waitForEvents(1);
      expect(c.ids()[0]).toBe(lastId + 1);
    } finally {
      c.close();
    }
    await eventually(() => expect(streams.clients).toBe(0));
  });

  it('ends a stream when the token that opened it expires, and the reconnection is refused', async () => {
    const { sub, role } = JSON.parse(Buffer.from(admin.split('.')[1], 'base64url').toString()) as { sub: number; role: string };
    const shortLived = await t.app.get(JwtService).signAsync({ sub, role }, { expiresIn: 1 });
    const client = new SseClient(url, shortLived);
    await client.waitForEvents(1);
    expect(await client.ended).toBe('ended');
    expect(client.events.length).toBeGreaterThan(0);
    await eventually(() => expect(streams.clients).toBe(0));
    const again = new SseClient(url, shortLived);
    await again.ended;
    expect(again.status).toBe(401);
  });

  it('records a stream the client closes as a 200 under its own route, out of the rankings and the latency histogram', async () => {
    await request(t.http).post('/api/v1/admin/metrics/reset').set(auth(admin)).expect(200);
    const client = new SseClient(url, admin);
    await client.waitForEvents(2);
    client.close();
    await eventually(() => expect(streams.clients).toBe(0));

    let body: { endpoints: unknown[]; application: { aborted_requests: number }; popular_endpoints: unknown; slow_endpoints: unknown };
    await eventually(async () => {
      body = (await request(t.http).get('/api/v1/admin/metrics').set(auth(admin)).expect(200)).body;
      expect(body.endpoints).toEqual(
        expect.arrayContaining([expect.objectContaining({ endpoint: STREAM, method: 'GET', count: 1, statuses: { 200: 1 } })]),
      );
    });
    expect(body!.application.aborted_requests).toBe(0);
    expect(JSON.stringify([body!.popular_endpoints, body!.slow_endpoints])).not.toContain(STREAM);

    const exposition = (await request(t.http).get('/metrics').expect(200)).text;
    expect(exposition).not.toMatch(/http_route="\/api\/v1\/admin\/metrics\/stream",http_response_status_code="200"/);
    expect(exposition).toMatch(/^mentorhub_dashboard_stream_clients 0$/m);
  });
});

describe('admin metrics stream (sqlite): shutdown', () => {
  it('ends open streams when the server stops accepting (SIGTERM path), so shutdown does not wait SHUTDOWN_TIMEOUT_MS', async () => {
    const logger = new CapturingLogger();
    const t = await createTestApp({
      engine: 'sqlite',
      env: { DASHBOARD_STREAM_INTERVAL_MS: String(INTERVAL_MS), DEMO_DATA: 'false', SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_TIMEOUT_MS: '600000' },
      logger,
    });
    try {
      const url = await listen(t);
      const admin = await t.adminToken();
      const clients = [new SseClient(url, admin), new SseClient(url, admin)];
      await Promise.all(clients.map((client) => client.waitForEvents(1)));

      // Were the streams left open, this would wait the 10-minute timeout and the test would time out.
      await t.app.get(GracefulShutdownService).shutdown(t.app, 'SIGTERM');
      for (const client of clients) expect(await client.ended).toBe('ended');
      expect(logger.lines).toContain('log [DashboardStreamService] Ending 2 dashboard stream(s)');
      expect(logger.lines).toContain('log [GracefulShutdownService] In-flight requests finished; closing connections');
      expect(logger.lines.filter((line) => /still running/.test(line))).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('sends the first event on connect, not after an interval; ends open streams when the app closes, and later ones at once', async () => {
    // An interval longer than the wait below: the events seen can only be the ones sent on connect.
    const t = await createTestApp({ engine: 'sqlite', env: { DASHBOARD_STREAM_INTERVAL_MS: '60000', DEMO_DATA: 'false' } });
    let closed = false;
    try {
      const url = await listen(t);
      const admin = await t.adminToken();
      const first = new SseClient(url, admin);
      await first.waitForEvents(1);
      // A client joining mid-interval gets the latest snapshot at once, not a new one.
      const second = new SseClient(url, admin);
      await second.waitForEvents(1);
      expect(second.ids()).toEqual(first.ids());
      const streams = t.app.get(DashboardStreamService);
      await t.close();
      closed = true;
      expect(await first.ended).toBe('ended');
      expect(await second.ended).toBe('ended');
      expect(streams.clients).toBe(0);

      const late: string[] = [];
      const subscription = streams
        .stream()
        .subscribe({ next: (event) => late.push(String(event.id)), complete: () => late.push('complete') });
      expect(late).toEqual(['complete']);
      subscription.unsubscribe();
    } finally {
      if (!closed) await t.close();
    }
  });
});
