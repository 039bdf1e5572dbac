/// <reference lib="dom" />
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { publicInstance } from '../src/health/report/health-report.service.js';
import { ApiCluster, type ClusterReplica } from './support/api-cluster.js';
import { eventually } from './support/eventually.js';
import { layoutProblems } from './support/page-layout.js';
import { TcpSwitch } from './support/tcp-switch.js';
import { TEST_ADMIN } from './support/test-app.js';

const CLUSTER_START_MS = 120_000;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'];
/** Requests/s below which the dashboard's chart reads as idle (the page's own stream is all that runs). */
const QUIET_RATE = 20;
/** Screenshots (git-ignored). */
const OUTPUT_DIR = join(import.meta.dirname, '..', 'test-output');

declare global {
  interface Window {
    Chart: { getChart(id: string): { width: number; data: { datasets: { data: number[] }[] } } | undefined };
    /** The requests/s the dashboard's chart has drawn, oldest first. */
    chartRates(): number[];
  }
}

interface AdminMetrics {
  instance: string;
  build: { version: string; revision: string; node_version: string };
  application: { total_requests: number; requests_per_second: number };
  popular_endpoints: { endpoint: string; method: string; calls: number }[];
  endpoints: { endpoint: string; method: string; count: number; p95_ms: number }[];
  instances: { instance: string; total_requests: number; requests_per_second: number; last_seen: string }[];
  cluster: { scope: string; redis: string; message: string };
}

/** Three real API processes sharing one PostgreSQL and one private Redis: the admin views must describe all of them. */
describe('operations across 3 replicas', () => {
  let cluster: ApiCluster;
  let token: string;

  const get = (replica: ClusterReplica, path: string, init: RequestInit = {}) =>
    fetch(`${replica.base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

  async function metricsVia(replica: ClusterReplica, init: RequestInit = {}): Promise<AdminMetrics> {
    const response = await get(replica, '/admin/metrics', init);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-instance-id')).toBe(replica.instance);
    return (await response.json()) as AdminMetrics;
  }

  const callsOf = (body: AdminMetrics, endpoint: string) =>
    body.popular_endpoints.find((entry) => entry.method === 'GET' && entry.endpoint === endpoint)?.calls;

  async function sendMentorLists(perReplica: number[]): Promise<void> {
    await Promise.all(
      perReplica.map(async (count, index) => {
        for (let i = 0; i < count; i++) expect((await fetch(`${cluster.replicas[index].base}/mentors`)).status).toBe(200);
      }),
    );
  }

  /** Requests this pod's Prometheus histogram has counted. */
  async function prometheusRequests(replica: ClusterReplica): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${replica.port}/metrics`)).text();
    return [...text.matchAll(/^http_server_request_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, [, count]) => sum + Number(count),
      0,
    );
  }

  /** A login with a wrong password from `address` (the replicas trust one proxy hop). */
  async function wrongLogin(replica: ClusterReplica, address: string): Promise<number> {
    const response = await fetch(`${replica.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }),
    });
    return response.status;
  }

  beforeAll(async () => {
    await mkdir(OUTPUT_DIR, { recursive: true });
    cluster = await ApiCluster.start({
      replicas: 3,
      env: { LOGIN_RATE_LIMIT: '5', TRUST_PROXY_HOPS: '1', DASHBOARD_STREAM_INTERVAL_MS: '500' },
    });
    token = await cluster.adminToken();
  }, CLUSTER_START_MS);
  afterAll(() => cluster?.stop(), 30_000);

  it('answers, through any replica, totals and popular endpoints that add up every replica', async () => {
    await sendMentorLists([10, 20, 30]);
    for (const replica of cluster.replicas) {
      await eventually(async () => {
        const body = await metricsVia(replica);
        expect(body.instance).toBe(replica.instance);
        expect(body.cluster).toMatchObject({ scope: 'cluster', redis: 'available' });
        expect(callsOf(body, '/api/v1/mentors')).toBe(60);
        expect(body.instances.map((entry) => entry.instance)).toEqual(['replica-0', 'replica-1', 'replica-2']);
        expect(body.application.total_requests).toBe(body.instances.reduce((sum, entry) => sum + entry.total_requests, 0));
        expect(body.application.total_requests).toBe(body.endpoints.reduce((sum, entry) => sum + entry.count, 0));
      }, 10_000);
    }
  }, 60_000);

  it("resets the view on every replica through one, and leaves each pod's Prometheus counters monotonic", async () => {
    await sendMentorLists([5, 5, 5]);
    await eventually(
      async () => expect(callsOf(await metricsVia(cluster.replicas[2]), '/api/v1/mentors')).toBeGreaterThanOrEqual(15),
      10_000,
    );
    const before = await prometheusRequests(cluster.replicas[2]);

    const reset = await get(cluster.replicas[1], '/admin/metrics/reset', { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ scope: 'cluster' });
    for (const replica of cluster.replicas) {
      await eventually(async () => {
        const body = await metricsVia(replica);
        expect(body.cluster.scope).toBe('cluster');
        expect(callsOf(body, '/api/v1/mentors')).toBeUndefined();
        // Only the admin calls made since the reset are left.
        expect(body.endpoints.every((entry) => entry.endpoint.startsWith('/api/v1/admin/metrics'))).toBe(true);
      }, 10_000);
    }
    expect(await prometheusRequests(cluster.replicas[2])).toBeGreaterThanOrEqual(before);
  }, 60_000);

  it('names a distinct replica in each detailed health report (public: a digest of each id)', async () => {
    const names = await Promise.all(
      cluster.replicas.map(
        async (replica) => ((await (await fetch(`${replica.base}/health/detailed`)).json()) as { instance: string }).instance,
      ),
    );
    expect(names).toEqual(cluster.replicas.map((replica) => publicInstance(replica.instance)));
    expect(new Set(names).size).toBe(3);
  });

  it('exposes mentorhub_build_info on each pod, as the admin view names the build', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const replica of cluster.replicas) {
      const text = await (await fetch(`http://127.0.0.1:${replica.port}/metrics`)).text();
      expect(text).toContain(`mentorhub_build_info{version="${version}",revision="unknown",node_version="${process.version}"} 1`);
      expect((await metricsVia(replica)).build).toEqual({ version, revision: 'unknown', node_version: process.version });
    }
  });

  it('holds the login limit across replicas: LOGIN_RATE_LIMIT attempts a minute per address, whichever replica answers', async () => {
    const statuses = [];
    for (let attempt = 0; attempt < 9; attempt++) statuses.push(await wrongLogin(cluster.replicas[attempt % 3], '203.0.113.7'));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429]);
  }, 30_000);

  it('keeps the dashboard steady when its stream reconnects to another replica, and leaves its own files out of its tables (Chromium)', async () => {
    const balancer = await TcpSwitch.start(cluster.replicas[0].port);
    const profile = await mkdtemp(join(tmpdir(), 'mentorhub-chromium-profile-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await context.newPage();
      await page.addInitScript(() => {
        window.chartRates = () => window.Chart?.getChart('traffic-chart')?.data.datasets[0].data ?? [];
      });
      await page.setViewportSize({ width: 1280, height: 960 });
      await page.goto(`http://127.0.0.1:${balancer.port}/admin/dashboard`);
      await page.locator('#email').fill(TEST_ADMIN.email);
      await page.locator('#password').fill(TEST_ADMIN.password);
      await page.locator('#sign-in-form button').click();
      await page.locator('#connection', { hasText: 'live' }).waitFor();
      // Traffic the answering replica never sees itself: its view shows it only merged from the others.
      await sendMentorLists([0, 300, 300]);
      const sentAt = await page.evaluate(() => window.chartRates().length);
      // Once the burst has been drawn, the chart goes quiet: only the page's own stream runs.
      await page.waitForFunction(
        ([count, quiet]) => {
          const rates = window.chartRates();
          return rates.length >= count + 4 && rates.slice(-2).every((rate) => rate < quiet);
        },
        [sentAt, QUIET_RATE] as const,
      );

      const beforeSwitch = await page.evaluate(() => window.chartRates().length);
      balancer.switchTo(cluster.replicas[1].port);
      await page.locator('#instance', { hasText: 'replica-1' }).waitFor({ timeout: 30_000 });
      const switchedAt = await page.evaluate(() => window.chartRates().length);
      await page.waitForFunction((count) => window.chartRates().length >= count + 3, switchedAt);
      // Still quiet: a point computed across the two replicas' countings would read the 600 requests as a burst.
      const rates = await page.evaluate(() => window.chartRates());
      expect(Math.max(...rates.slice(beforeSwitch))).toBeLessThan(QUIET_RATE);
      expect(await page.locator('#popular-endpoints').innerText()).not.toContain('/admin/dashboard');
      expect(await page.locator('#instances').innerText()).toMatch(/replica-0[^]*replica-1 \(answering\)[^]*replica-2/);
      expect(Number((await page.locator('#total-requests').innerText()).replace(/[^\d]/g, ''))).toBeGreaterThanOrEqual(300);

      for (const [width, height, name] of [
        [1280, 960, 'desktop'],
        [375, 812, 'phone'],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.waitForFunction((viewport) => window.Chart.getChart('traffic-chart')!.width <= viewport, width);
        expect(await layoutProblems(page)).toEqual([]);
        await page.screenshot({ path: join(OUTPUT_DIR, `cluster-dashboard-${name}.png`), fullPage: true });
      }
    } finally {
      await context.close();
      await balancer.close();
      await rm(profile, { recursive: true, force: true });
    }
  }, 120_000);

  it('falls back to the answering replica alone, flagged, and to per-process login limits while Redis is frozen; merges again once it answers', async () => {
    cluster.redis!.freeze();
    try {
      await eventually(async () => {
        // The bound only proves the call does not wait on the frozen Redis.
        const body = await metricsVia(cluster.replicas[0], { signal: AbortSignal.timeout(3000) });
        expect(body.cluster).toMatchObject({ scope: 'instance', redis: 'unavailable' });
        expect(body.instances.map((entry) => entry.instance)).toEqual(['replica-0']);
      }, 10_000);
      // The login limit falls back to each process's own count: still enforced, per replica.
      const onFirst = [];
      for (let attempt = 0; attempt < 6; attempt++) onFirst.push(await wrongLogin(cluster.replicas[0], '203.0.113.8'));
      expect(onFirst).toEqual([401, 401, 401, 401, 401, 429]);
      expect(await wrongLogin(cluster.replicas[1], '203.0.113.8')).toBe(401);
    } finally {
      cluster.redis!.thaw();
    }
    await eventually(async () => expect((await metricsVia(cluster.replicas[0])).cluster.scope).toBe('cluster'), 10_000);
  }, 30_000);

  it('drops a SIGKILLed replica from "instances" once its snapshot expires', async () => {
    await cluster.kill(2);
    await eventually(async () => {
      const body = await metricsVia(cluster.replicas[0]);
      expect(body.instances.map((entry) => entry.instance)).toEqual(['replica-0', 'replica-1']);
    }, 15_000);
  }, 30_000);
});
