import { Body, Controller, Get, Param, ParseIntPipe, Post } from '@nestjs/common';
import { IsString } from 'class-validator';
import { spawnSync } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import request from 'supertest';
import { publicInstance } from '../src/health/report/health-report.service.js';
import { MeasureTime } from '../src/metrics/operations/measure-time.decorator.js';
import { RequestStatsStore } from '../src/metrics/http/request-stats.store.js';
import { metricsConfig } from '../src/metrics/config/metrics.config.js';
import { SYSTEM_PROBE, SystemMetricsService } from '../src/metrics/system/system-metrics.service.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { ENGINES } from './support/test-database.js';
import { eventually } from './support/eventually.js';
import type { EndpointStatsDto } from '../src/metrics/metrics.dto.js';

class EchoDto {
  @IsString()
  name!: string;
}

/** Routes whose outcome and duration the tests control. */
@Controller('metrics-test')
class MetricsTestController {
  @Get('sleep/:ms')
  @MeasureTime({ name: 'test.sleep', thresholdMs: 100 })
  async sleep(@Param('ms', ParseIntPipe) ms: number) {
    await delay(ms);
    return { slept: ms };
  }

  @Post('sleep/:ms')
  async sleepAfterBody(@Param('ms', ParseIntPipe) ms: number, @Body() body: EchoDto) {
    await delay(ms);
    return body;
  }

  @Get('items/:id')
  item(@Param('id') id: string) {
    return { id };
  }

  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }

  @Post('echo')
  echo(@Body() body: EchoDto) {
    return body;
  }
}

/** Stands for the health probes the HealthModule will add (excluded from popular/slow by default). */
@Controller('health/metrics-test-probe')
class ProbeLikeController {
  @Get()
  probe() {
    return { status: 'ok' };
  }
}

const controllers = [MetricsTestController, ProbeLikeController];
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function metricsOf(t: TestApp, token: string) {
  // The request being answered is recorded when its response closes; let the previous ones settle first.
  await new Promise((resolve) => setImmediate(resolve));
  return (await request(t.http).get('/api/v1/admin/metrics').set(auth(token)).expect(200)).body;
}

const endpointOf = (body: { endpoints: EndpointStatsDto[] }, method: string, endpoint: string) =>
  body.endpoints.find((e) => e.method === method && e.endpoint === endpoint);

describe.each(ENGINES)('metrics (%s)', (engine) => {
  let t: TestApp;
  let admin: string;
  let student: string;

  beforeAll(async () => {
    t = await createTestApp({ engine, controllers });
    admin = await t.adminToken();
    student = await t.tokenFor('student');
  });
  afterAll(() => t.close());
  beforeEach(() => request(t.http).post('/api/v1/admin/metrics/reset').set(auth(admin)).expect(200));

  it('counts every response exactly: 200, 400 (validation, malformed JSON, a path that does not decode), 401, 403, 404, 413, 500', async () => {
    for (const id of [1, 2, 3]) await request(t.http).get(`/api/v1/mentors/${id}`).expect(200);
    await request(t.http).get('/api/v1/mentors/abc').expect(400);
    await request(t.http).get('/api/v1/mentors/-1').expect(400);
    await request(t.http).post('/api/v1/metrics-test/echo').send({ name: 42 }).expect(400);
    await request(t.http).post('/api/v1/metrics-test/echo').set('content-type', 'application/json').send('{"name": ').expect(400);
    await request(t.http)
      .post('/api/v1/metrics-test/echo')
      .send({ name: 'x'.repeat(101 * 1024) })
      .expect(413);
    // Refused by the router before any route runs: no endpoint to name.
    await request(t.http).get('/api/v1/mentors/%zz').expect(400);
    await request(t.http).get('/api/v1/admin/metrics').expect(401);
    await request(t.http).get('/api/v1/admin/metrics').set(auth('not-a-jwt')).expect(401);
    await request(t.http).get('/api/v1/admin/metrics').set(auth(student)).expect(403);
    for (const path of ['/nope', '/api/v1/nope/1', '/api/v1/mentors/1/unknown']) await request(t.http).get(path).expect(404);
    await request(t.http).delete('/api/v1/mentors/1').expect(404);
    await request(t.http).post('/metrics').expect(404);
    await request(t.http).get('/api/v1/mentors/999999').expect(404);
    for (let i = 0; i < 2; i++) await request(t.http).get('/api/v1/metrics-test/boom').expect(500);

    // 20 above, plus the reset call of beforeEach: it is recorded when its response closes, after the reset.
    const body = await metricsOf(t, admin);
    expect(body.application).toMatchObject({ total_requests: 21, total_errors: 2, total_client_errors: 15, error_rate_percent: 9.52 });
    expect(body.application.recent_window).toMatchObject({ requests: 21, errors: 2, error_rate_percent: 9.52 });
    expect(endpointOf(body, 'POST', '/api/v1/admin/metrics/reset')).toMatchObject({ count: 1, statuses: { 200: 1 } });
    expect(endpointOf(body, 'GET', '/api/v1/mentors/:id')).toMatchObject({
      count: 6,
      errors: 0,
      client_errors: 3,
      statuses: { 200: 3, 400: 2, 404: 1 },
    });
    expect(endpointOf(body, 'POST', '/api/v1/metrics-test/echo')).toMatchObject({ count: 3, statuses: { 400: 2, 413: 1 } });
    expect(endpointOf(body, 'GET', '/api/v1/admin/metrics')).toMatchObject({ count: 3, statuses: { 401: 2, 403: 1 } });
    expect(endpointOf(body, '*', '(unmatched)')).toMatchObject({ count: 6, statuses: { 400: 1, 404: 5 } });
    expect(endpointOf(body, 'GET', '/api/v1/metrics-test/boom')).toMatchObject({ count: 2, errors: 2, statuses: { 500: 2 } });
    expect(body.endpoints.reduce((sum: number, e: EndpointStatsDto) => sum + e.count, 0)).toBe(21);
  });

  it('groups different ids of one route under its template, never the raw URL', async () => {
    await request(t.http).get('/api/v1/metrics-test/items/1').expect(200);
    await request(t.http).get('/api/v1/metrics-test/items/two').expect(200);
    await request(t.http).get('/api/v1/mentors/4/reviews?limit=2').expect(200);
    await request(t.http).get('/api/v1/mentors/5/reviews?page=2').expect(200);
    const body = await metricsOf(t, admin);
    expect(endpointOf(body, 'GET', '/api/v1/metrics-test/items/:id')).toMatchObject({ count: 2 });
    expect(endpointOf(body, 'GET', '/api/v1/mentors/:id/reviews')).toMatchObject({ count: 2 });
    expect(JSON.stringify(body.endpoints)).not.toMatch(/items\/1|items\/two|mentors\/4|limit=/);
  });

  it('times the domain service methods marked with @MeasureTime()', async () => {
    await request(t.http).get('/api/v1/courses/search?q=java').expect(200);
    await request(t.http).get('/api/v1/mentors?limit=5').expect(200);
    await request(t.http).post('/api/v1/mentors/6/reviews').set(auth(student)).send({ rating: 4, text: 'Clear' }).expect(201);
    const names = (await metricsOf(t, admin)).operations.map((op: { name: string }) => op.name);
    expect(names).toEqual(expect.arrayContaining(['CoursesService.search', 'MentorsService.list', 'ReviewsService.create']));
  });

  it('reset zeroes the JSON view but leaves the Prometheus counters monotonic', async () => {
    await request(t.http).get('/api/v1/mentors/1').expect(200);
    const countLine =
      /^http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/api\/v1\/mentors\/:id",http_response_status_code="200"\} (\d+)$/m;
    const before = Number(countLine.exec((await request(t.http).get('/metrics').expect(200)).text)?.[1]);
    expect(before).toBeGreaterThanOrEqual(1);

    await request(t.http).post('/api/v1/admin/metrics/reset').set(auth(admin)).expect(200);
    const body = await metricsOf(t, admin);
    // Only the reset call itself, recorded as its response closed.
    expect(body.application).toMatchObject({ total_requests: 1, total_errors: 0, total_client_errors: 0, error_rate_percent: 0 });
    expect(body.endpoints).toEqual([expect.objectContaining({ method: 'POST', endpoint: '/api/v1/admin/metrics/reset', count: 1 })]);
    expect(body.operations).toEqual([]);
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(0);

    const after = Number(countLine.exec((await request(t.http).get('/metrics').expect(200)).text)?.[1]);
    expect(after).toBe(before);
  });

  it('is admin only: 401 without a valid token, 403 for other roles', async () => {
    for (const call of [() => request(t.http).get('/api/v1/admin/metrics'), () => request(t.http).post('/api/v1/admin/metrics/reset')]) {
      await call().expect(401);
      await call().set(auth('x.y.z')).expect(401);
      await call().set(auth(student)).expect(403);
      await call()
        .set(auth(await t.tokenFor('mentor')))
        .expect(403);
    }
  });

  it('names the replica that answered: "instance" and X-Instance-Id on admin answers, refusals included, never on public ones', async () => {
    const { body, headers } = await request(t.http).get('/api/v1/admin/metrics').set(auth(admin)).expect(200);
    expect(body.instance).toBe(hostname());
    expect(headers['x-instance-id']).toBe(hostname());
    expect((await request(t.http).post('/api/v1/admin/metrics/reset').expect(401)).headers['x-instance-id']).toBe(hostname());
    expect((await request(t.http).get('/api/v1/mentors').expect(200)).headers['x-instance-id']).toBeUndefined();
    // The public detailed report names no host: it shows a digest of the id.
    expect((await request(t.http).get('/api/v1/health/detailed').expect(200)).body.instance).toBe(publicInstance(hostname()));
  });
});

describe('metrics (sqlite): timings, load, system figures, Prometheus', () => {
  let t: TestApp;
  let admin: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({
      engine: 'sqlite',
      controllers,
      env: { METRICS_SLOW_MS: '40', METRICS_SAMPLE_INTERVAL_MS: '60000' },
      logger: {
        log: () => undefined,
        error: () => undefined,
        warn: (message: unknown) => void warnings.push(String(message)),
      },
    });
    await t.app.listen(0, '127.0.0.1');
    admin = await t.adminToken();
  });
  afterAll(() => t.close());
  beforeEach(() => request(t.http).post('/api/v1/admin/metrics/reset').set(auth(admin)).expect(200));

  it('reports avg, max and percentiles that match durations the test controls', async () => {
    // Each request as the client saw it: the server's figure lies between the sleep and the round trip.
    const roundTrips: number[] = [];
    for (const ms of [...Array<number>(10).fill(20), ...Array<number>(10).fill(120)]) {
      const sent = performance.now();
      await request(t.http).get(`/api/v1/metrics-test/sleep/${ms}`).expect(200);
      roundTrips.push(performance.now() - sent);
    }
    const fast = roundTrips.slice(0, 10).sort((a, b) => a - b);
    const all = [...roundTrips].sort((a, b) => a - b);
    const body = await metricsOf(t, admin);
    const sleep = endpointOf(body, 'GET', '/api/v1/metrics-test/sleep/:ms')!;
    expect(sleep.count).toBe(20);
    // Percentiles come from a histogram accurate to 1 %; the figures are rounded to 0.1 ms.
    const upTo = (ms: number) => ms * 1.01 + 0.05;
    expect(sleep.p50_ms).toBeGreaterThanOrEqual(19);
    expect(sleep.p50_ms).toBeLessThanOrEqual(upTo(fast[9]));
    expect(sleep.p95_ms).toBeGreaterThanOrEqual(119);
    expect(sleep.p99_ms).toBeGreaterThanOrEqual(sleep.p95_ms);
    expect(sleep.max_ms).toBeGreaterThanOrEqual(sleep.p99_ms);
    expect(sleep.max_ms).toBeLessThanOrEqual(all[19] + 0.05);
    expect(sleep.avg_ms).toBeGreaterThanOrEqual(69);
    expect(sleep.avg_ms).toBeLessThanOrEqual(roundTrips.reduce((sum, ms) => sum + ms, 0) / 20 + 0.05);

    const operation = body.operations.find((op: { name: string }) => op.name === 'test.sleep');
    expect(operation).toMatchObject({ count: 20, errors: 0, slow: 10 });
    expect(operation.p50_ms).toBeGreaterThanOrEqual(19);
    expect(operation.max_ms).toBeGreaterThanOrEqual(119);
    expect(warnings.filter((w) => /^test\.sleep took \d+\.\d ms \(threshold 100 ms\)$/.test(w))).toHaveLength(10);
  });

  it('lists slow endpoints above METRICS_SLOW_MS slowest first, popular ones by calls, without probe and scrape routes', async () => {
    for (let i = 0; i < 3; i++) await request(t.http).get('/api/v1/metrics-test/sleep/90').expect(200);
    await request(t.http).get('/api/v1/metrics-test/sleep/60').expect(200);
    for (let i = 0; i < 6; i++) await request(t.http).get('/api/v1/mentors?limit=1').expect(200);
    for (let i = 0; i < 20; i++) await request(t.http).get('/api/v1/health/metrics-test-probe').expect(200);
    for (let i = 0; i < 20; i++) await request(t.http).get('/metrics').expect(200);
    const body = await metricsOf(t, admin);
    expect(body.popular_endpoints[0]).toEqual({ endpoint: '/api/v1/mentors', method: 'GET', calls: 6 });
    expect(body.popular_endpoints.length).toBeLessThanOrEqual(10);
    const listed = JSON.stringify([body.popular_endpoints, body.slow_endpoints]);
    expect(listed).not.toMatch(/health|"\/metrics"/);
    expect(endpointOf(body, 'GET', '/metrics')).toMatchObject({ count: 20 });
    expect(endpointOf(body, 'GET', '/api/v1/health/metrics-test-probe')).toMatchObject({ count: 20 });
    expect(body.slow_endpoints[0]).toMatchObject({ endpoint: '/api/v1/metrics-test/sleep/:ms', method: 'GET', count: 4 });
    expect(body.slow_endpoints[0].avg_ms).toBeGreaterThan(40);
    for (const entry of body.slow_endpoints) expect(entry.avg_ms).toBeGreaterThan(40);
    const averages = body.slow_endpoints.map((e: { avg_ms: number }) => e.avg_ms);
    expect(averages).toEqual([...averages].sort((a, b) => b - a));
  });

  it('keeps 10,000 distinct unknown URLs in one bucket: no new series in the JSON view or in Prometheus', async () => {
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    await fetch(`${base}/unknown/warm-up`);
    const seriesCount = async () =>
      ((await request(t.http).get('/metrics').expect(200)).text.match(/^http_server_request_duration_seconds_count/gm) ?? []).length;
    const before = await seriesCount();
    await metricsOf(t, admin);
    const seriesBefore = (await metricsOf(t, admin)).endpoints.length;

    let next = 0;
    const worker = async () => {
      while (next < 10_000) {
        const i = next++;
        const response = await fetch(`${base}/scan/${i}/${i.toString(36)}?q=${i}`, { method: i % 3 ? 'GET' : 'POST' });
        expect(response.status).toBe(404);
        await response.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));

    const body = await metricsOf(t, admin);
    expect(endpointOf(body, '*', '(unmatched)')!.count).toBe(10_001);
    expect(body.endpoints.length).toBe(seriesBefore);
    expect(body.application.overflowed_requests).toBe(0);
    // POST 404s add at most one series (method is a label), never one per URL.
    expect(await seriesCount()).toBeLessThanOrEqual(before + 1);
  });

  it('counts a request the client abandons as 499, whether or not its body was read', async () => {
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const abandon = (method: string, body?: string) =>
      new Promise<void>((resolve) => {
        const headers = body === undefined ? {} : { 'content-type': 'application/json' };
        const req = httpRequest({ host: '127.0.0.1', port, method, path: '/api/v1/metrics-test/sleep/300', headers });
        req.on('error', () => resolve());
        req.end(body);
        setTimeout(() => req.destroy(), 50);
      });
    await abandon('GET');
    await abandon('POST', JSON.stringify({ name: 'read before the client left' }));
    await eventually(async () => {
      const body = await metricsOf(t, admin);
      expect(body.application.aborted_requests).toBe(2);
      expect(endpointOf(body, 'GET', '/api/v1/metrics-test/sleep/:ms')).toMatchObject({ count: 1, statuses: { 499: 1 } });
      expect(endpointOf(body, 'POST', '/api/v1/metrics-test/sleep/:ms')).toMatchObject({ count: 1, statuses: { 499: 1 } });
    });
  });

  it('derives CPU figures from the counters read at its two samples, bracketed by the same counters read around them', async () => {
    // A sampler of its own, never started: the app's interval cannot take a sample in between.
    const system = new SystemMetricsService(t.app.get(SYSTEM_PROBE), t.app.get(metricsConfig.KEY));
    const readCounters = async () => {
      const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
      const [user, nice, sys, idle, iowait, irq, softirq, steal] = fields;
      const busy = user + nice + sys + irq + softirq + steal;
      const usage = process.cpuUsage();
      return { busy, total: busy + idle + iowait, processMicros: usage.user + usage.system, wallMs: performance.now() };
    };
    const beforeFirst = await readCounters();
    await system.sample();
    const afterFirst = await readCounters();
    const spinUntil = Date.now() + 300;
    while (Date.now() < spinUntil) Math.sqrt(Math.random());
    await delay(100);
    const beforeSecond = await readCounters();
    await system.sample();
    const afterSecond = await readCounters();
    const { cpu } = system.snapshot();

    // Every counter only grows, so the sampler's window lies between the inner and the outer one.
    const inner = (key: keyof typeof beforeFirst) => beforeSecond[key] - afterFirst[key];
    const outer = (key: keyof typeof beforeFirst) => afterSecond[key] - beforeFirst[key];
    const rounding = 0.05;
    expect(cpu.machinePercent).toBeGreaterThanOrEqual((inner('busy') / outer('total')) * 100 - rounding);
    expect(cpu.machinePercent).toBeLessThanOrEqual(Math.min(100, (outer('busy') / inner('total')) * 100) + rounding);
    expect(cpu.processPercent).toBeGreaterThan(0);
    expect(cpu.processPercent).toBeGreaterThanOrEqual((inner('processMicros') / 1000 / outer('wallMs')) * 100 - rounding);
    expect(cpu.processPercent).toBeLessThanOrEqual((outer('processMicros') / 1000 / inner('wallMs')) * 100 + rounding);
  });

  it('reports memory and disk figures that agree with /proc and statfs', async () => {
    const system = t.app.get(SystemMetricsService);
    await system.sample();
    const snapshot = system.snapshot();

    const meminfo = Object.fromEntries(
      (await readFile('/proc/meminfo', 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.split(':')[0], Number(line.split(':')[1].trim().split(' ')[0]) * 1024]),
    );
    if (snapshot.memory.cgroupLimit) {
      expect(snapshot.memory.totalMb).toBeLessThan(meminfo.MemTotal / 2 ** 20);
    } else {
      expect(Math.abs(snapshot.memory.totalMb - meminfo.MemTotal / 2 ** 20)).toBeLessThanOrEqual(1);
      const usedMb = (meminfo.MemTotal - meminfo.MemAvailable) / 2 ** 20;
      expect(Math.abs(snapshot.memory.usedMb - usedMb)).toBeLessThan(snapshot.memory.totalMb * 0.02);
    }
    expect(snapshot.memory.percent).toBeCloseTo((snapshot.memory.usedMb / snapshot.memory.totalMb) * 100, 0);

    const disk = await statfs(snapshot.disk.path);
    const used = (disk.blocks - disk.bfree) * disk.bsize;
    expect(snapshot.disk.path).toBe(t.database.location.replace(/\/[^/]+$/, ''));
    expect(snapshot.disk.totalGb).toBeCloseTo((disk.blocks * disk.bsize) / 2 ** 30, 1);
    expect(Math.abs(snapshot.disk.usedGb - used / 2 ** 30)).toBeLessThan(0.5);
    expect(Math.abs(snapshot.disk.percent - (used / (used + disk.bavail * disk.bsize)) * 100)).toBeLessThan(0.5);
    expect(snapshot.eventLoop.maxMs).toBeGreaterThanOrEqual(0);

    const body = await metricsOf(t, admin);
    // The app's own sampler may have run since the snapshot above.
    expect([snapshot.cpu.machinePercent, system.snapshot().cpu.machinePercent]).toContain(body.system.cpu_percent);
    expect(body.system).toMatchObject({
      memory_total_mb: snapshot.memory.totalMb,
      disk_total_gb: snapshot.disk.totalGb,
      disk_path: snapshot.disk.path,
    });
    expect(Object.keys(body.system)).toEqual(
      expect.arrayContaining([
        'cpu_percent',
        'memory_percent',
        'memory_used_mb',
        'memory_total_mb',
        'disk_percent',
        'disk_used_gb',
        'disk_total_gb',
      ]),
    );
  });

  it('exposes /metrics outside the /api/v1 prefix, and the exposition passes promtool', async () => {
    await request(t.http).get('/api/v1/mentors/1').expect(200);
    await request(t.http).get('/api/v1/metrics-test/sleep/1').expect(200);
    await request(t.http).get('/no-such-page').expect(404);
    await request(t.http).get('/api/v1/metrics').expect(404);
    const response = await request(t.http).get('/metrics').expect(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = response.text;
    expect(text).toMatch(/^# TYPE http_server_request_duration_seconds histogram$/m);
    expect(text).toMatch(
      /^http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/api\/v1\/mentors\/:id",http_response_status_code="200"\} \d+$/m,
    );
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{http_request_method="GET",http_response_status_code="404"\} \d+$/m);
    expect(text).toMatch(/^mentorhub_operation_duration_seconds_count\{operation="test.sleep",outcome="success"\} \d+$/m);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.error).toBeUndefined();
    const problems = `${promtool.stdout}${promtool.stderr}`.split('\n').filter((line) => line.trim() !== '');
    const allowed = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;
    expect(problems.filter((line) => !allowed.test(line))).toEqual([]);
    expect([0, 3]).toContain(promtool.status);
  });
});

describe('metrics configuration (sqlite)', () => {
  it('guards /metrics with METRICS_TOKEN as a bearer token', async () => {
    const t = await createTestApp({ engine: 'sqlite', env: { METRICS_TOKEN: 'scrape-token-for-tests', DEMO_DATA: 'false' } });
    try {
      const unauthorized = await request(t.http).get('/metrics').expect(401);
      expect(unauthorized.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(unauthorized.text).not.toMatch(/scrape-token/);
      await request(t.http).get('/metrics').set(auth('scrape-token-for-test')).expect(401);
      await request(t.http).get('/metrics').set(auth('scrape-token-for-tests-and-more')).expect(401);
      await request(t.http).get('/metrics').set({ authorization: 'Basic scrape-token-for-tests' }).expect(401);
      await request(t.http).get('/metrics').set(auth('scrape-token-for-tests')).expect(200);
    } finally {
      await t.close();
    }
  });

  it('records nothing with METRICS_ENABLED=false, while system figures and /metrics still work', async () => {
    const t = await createTestApp({ engine: 'sqlite', controllers, env: { METRICS_ENABLED: 'false', DEMO_DATA: 'false' } });
    try {
      const admin = await t.adminToken();
      await request(t.http).get('/api/v1/metrics-test/sleep/1').expect(200);
      await request(t.http).get('/nope').expect(404);
      const body = await metricsOf(t, admin);
      expect(body.application).toMatchObject({ total_requests: 0, recording_enabled: false });
      expect(body.operations).toEqual([]);
      expect(body.system.memory_total_mb).toBeGreaterThan(0);
      expect(t.app.get(RequestStatsStore).totals().requests).toBe(0);
      await request(t.http).get('/metrics').expect(200);
    } finally {
      await t.close();
    }
  });
});
