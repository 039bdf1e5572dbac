/**
 * Metrics benchmark: requests/s of a trivial endpoint with recording on and off (two apps in
 * this process, rounds interleaved, load from an autocannon child process), ns/op of the
 * statistics store against prom-client's histogram.observe, and the store's memory after
 * 1,000,000 requests over all routes plus 100,000 distinct unknown URLs.
 */
import 'reflect-metadata';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Histogram, Registry } from 'prom-client';
import { AppModule } from '../src/app.module.js';
import { configureApp, createHttpAdapter } from '../src/app.setup.js';
import { HTTP_DURATION_BUCKETS, HttpDurationHistogram } from '../src/metrics/http/http-duration.histogram.js';
import { RequestStatsStore } from '../src/metrics/http/request-stats.store.js';

const run = promisify(execFile);
/** Many short interleaved rounds: the median of per-round ratios shrugs off bursts of other load on a shared machine. */
const ROUNDS = 11;
const ROUND_SECONDS = 3;
const CONNECTIONS = 10;
const REPO = join(dirname(new URL(import.meta.url).pathname), '..', '..');

@Controller('bench')
class PingController {
  @Get('ping')
  ping() {
    return { ok: true };
  }
}

@Module({ imports: [AppModule], controllers: [PingController] })
class BenchModule {}

/** `prepare` runs on the app before its routes exist. */
async function startApp(
  metricsEnabled: boolean,
  dataDir: string,
  prepare?: (app: NestFastifyApplication) => void,
): Promise<{ app: INestApplication; url: string }> {
  Object.assign(process.env, {
    NODE_ENV: 'test',
    DATABASE_URL: `sqlite:${join(dataDir, `${metricsEnabled ? 'on' : 'off'}.sqlite`)}`,
    JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256',
    ADMIN_EMAIL: 'admin@bench.local',
    ADMIN_PASSWORD: 'bench-admin-password',
    DEMO_DATA: 'false',
    LOG_TO_FILE: 'false',
    METRICS_ENABLED: String(metricsEnabled),
  });
  const app = await NestFactory.create<NestFastifyApplication>(BenchModule, createHttpAdapter(), { logger: false });
  prepare?.(app);
  configureApp(app, { swagger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/v1/bench/ping` };
}

interface Round {
  rps: number;
  /** CPU time this (server) process spent per request: less disturbed by other load than throughput. */
  cpuUsPerRequest: number;
}

/** autocannon in a child process, so the load generator does not share the server's event loop or CPU account. */
async function load(url: string, seconds: number): Promise<Round> {
  const cpuBefore = process.cpuUsage();
  const bin = join(REPO, 'node_modules', 'autocannon', 'autocannon.js');
  const { stdout } = await run(process.execPath, [bin, '--json', '-c', String(CONNECTIONS), '-d', String(seconds), url], {
    maxBuffer: 16 * 2 ** 20,
  });
  const cpu = process.cpuUsage(cpuBefore);
  const result = JSON.parse(stdout) as { requests: { average: number; total: number }; non2xx: number; errors: number };
  if (result.non2xx || result.errors) throw new Error(`autocannon saw ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  return { rps: result.requests.average, cpuUsPerRequest: (cpu.user + cpu.system) / result.requests.total };
}

/** Nearest-rank quantile of a small sample. */
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const median = (values: number[]) => quantile(values, 0.5);

/** Median with the interquartile range and the extremes, so a reader sees how far one run can be trusted. */
function spread(values: number[]) {
  return {
    median: median(values),
    q1: quantile(values, 0.25),
    q3: quantile(values, 0.75),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}
const formatSpread = (s: ReturnType<typeof spread>, unit: string) =>
  `${s.median.toFixed(1)}${unit} (IQR ${s.q1.toFixed(1)} … ${s.q3.toFixed(1)}, range ${s.min.toFixed(1)} … ${s.max.toFixed(1)})`;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc (npm run bench does)');
  collect();
  collect();
}

async function throughput() {
  const dataDir = mkdtempSync(join(tmpdir(), 'mentorhub-bench-'));
  const on = await startApp(true, dataDir);
  const off = await startApp(false, dataDir);
  try {
    await load(on.url, 2);
    await load(off.url, 2);
    const rounds: { on: Round; off: Round }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first so drift in the machine's load does not favour one side.
      const first = round % 2 === 0 ? 'on' : 'off';
      const a = await load(first === 'on' ? on.url : off.url, ROUND_SECONDS);
      const b = await load(first === 'on' ? off.url : on.url, ROUND_SECONDS);
      rounds.push(first === 'on' ? { on: a, off: b } : { on: b, off: a });
    }
    const onRps = median(rounds.map((r) => r.on.rps));
    const offRps = median(rounds.map((r) => r.off.rps));
    // Each round's pair ran back to back, so its ratio is the least disturbed by other load on the machine.
    const overhead = spread(rounds.map((r) => ((r.off.rps - r.on.rps) / r.off.rps) * 100));
    const onCpu = median(rounds.map((r) => r.on.cpuUsPerRequest));
    const offCpu = median(rounds.map((r) => r.off.cpuUsPerRequest));
    const cpuOverhead = spread(rounds.map((r) => ((r.on.cpuUsPerRequest - r.off.cpuUsPerRequest) / r.off.cpuUsPerRequest) * 100));
    const cpuAddedUs = spread(rounds.map((r) => r.on.cpuUsPerRequest - r.off.cpuUsPerRequest));
    return { rounds, onRps, offRps, overhead, onCpu, offCpu, cpuOverhead, cpuAddedUs };
  } finally {
    await on.app.close();
    await off.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The app's real route templates, as Fastify registered them (the templates the resolver reads). */
async function appRoutes(): Promise<{ method: string; route: string }[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mentorhub-bench-'));
  const routes: { method: string; route: string }[] = [];
  const { app } = await startApp(true, dataDir, (nest) =>
    nest
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', ({ method, url }) => {
        for (const m of [method].flat()) if (m !== 'HEAD') routes.push({ method: m, route: url });
      }),
  );
  try {
    return routes.slice(0, 200);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function nsPerOp(routes: { method: string; route: string }[]) {
  const statuses = [200, 200, 200, 201, 400, 404, 500];
  const ops = 2_000_000;
  const labels = routes.flatMap(({ method, route }) =>
    statuses.map((status) => ({
      method,
      route,
      status,
      labels: { http_request_method: method, http_route: route, http_response_status_code: status },
    })),
  );
  const results = { store: [] as number[], prometheus: [] as number[], ours: [] as number[] };
  for (let round = 0; round < 3; round++) {
    const store = new RequestStatsStore({ maxSeries: 200 });
    let started = performance.now();
    for (let i = 0; i < ops; i++) {
      const entry = labels[i % labels.length];
      store.record(entry.method, entry.route, entry.status, (i % 997) * 0.37);
    }
    results.store.push(((performance.now() - started) * 1e6) / ops);

    const histogram = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'bench',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers: [new Registry()],
    });
    started = performance.now();
    for (let i = 0; i < ops; i++) histogram.observe(labels[i % labels.length].labels, ((i % 997) * 0.37) / 1000);
    results.prometheus.push(((performance.now() - started) * 1e6) / ops);

    const ours = new HttpDurationHistogram(new Registry());
    started = performance.now();
    for (let i = 0; i < ops; i++) {
      const entry = labels[i % labels.length];
      ours.observe(entry.method, entry.route, entry.status, ((i % 997) * 0.37) / 1000);
    }
    results.ours.push(((performance.now() - started) * 1e6) / ops);
  }
  return { ops, storeNs: median(results.store), prometheusNs: median(results.prometheus), httpHistogramNs: median(results.ours) };
}

function memory(routes: { method: string; route: string }[]) {
  // Histogram counters are typed arrays, whose memory is outside the JS heap: count both.
  const used = () => {
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  gc();
  const baseline = used();
  const store = new RequestStatsStore({ maxSeries: 200 });
  const checkpoints: { recorded: number; heapMb: number }[] = [];
  const statuses = [200, 201, 400, 401, 403, 404, 500];
  let recorded = 0;
  const measure = () => {
    gc();
    checkpoints.push({ recorded, heapMb: (used() - baseline) / 2 ** 20 });
  };
  for (let i = 0; i < 100_000; i++) {
    // An unknown URL has no route template, whatever the URL.
    store.record('GET', undefined, 404, 0.2 + (i % 50));
    recorded++;
  }
  measure();
  for (let i = 0; i < 1_000_000; i++) {
    const { method, route } = routes[i % routes.length];
    store.record(method, route, statuses[i % statuses.length], (i % 1009) * 0.73);
    recorded++;
    if (recorded === 200_000 || recorded === 600_000) measure();
  }
  measure();
  const series = store.totals().series;
  return { checkpoints, series, requests: store.totals().requests };
}

async function main(): Promise<void> {
  const routes = await appRoutes();
  const started = performance.now();
  const cost = nsPerOp(routes);
  const mem = memory(routes);
  const rps = await throughput();

  const table = [
    [`requests/s, trivial endpoint, metrics on (median of ${ROUNDS} rounds)`, rps.onRps.toFixed(0)],
    [`requests/s, trivial endpoint, metrics off (median of ${ROUNDS} rounds)`, rps.offRps.toFixed(0)],
    ['throughput overhead, per-round ratios (goal ≤ 3 %)', formatSpread(rps.overhead, ' %')],
    ['rounds on/off, req/s', rps.rounds.map((r) => `${r.on.rps.toFixed(0)}/${r.off.rps.toFixed(0)}`).join(', ')],
    ['server CPU µs per request, on / off (median)', `${rps.onCpu.toFixed(1)} / ${rps.offCpu.toFixed(1)}`],
    ['CPU overhead per request, per-round ratios (less noisy)', formatSpread(rps.cpuOverhead, ' %')],
    ['CPU µs added per request, per-round differences', formatSpread(rps.cpuAddedUs, ' µs')],
    ['RequestStatsStore.record, ns/op', cost.storeNs.toFixed(0)],
    ['prom-client Histogram.observe, ns/op (same labels)', cost.prometheusNs.toFixed(0)],
    ['HttpDurationHistogram.observe (what /metrics uses), ns/op', cost.httpHistogramNs.toFixed(0)],
    [
      `store memory after ${mem.checkpoints.map((c) => c.recorded.toLocaleString('en')).join(' / ')} requests`,
      mem.checkpoints.map((c) => `${c.heapMb.toFixed(2)} MB`).join(' / '),
    ],
    ['store series (method + route templates of the app)', String(mem.series)],
  ];
  const width = Math.max(...table.map(([label]) => label.length));
  process.stdout.write(`${table.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`);

  const resultsDir = join(REPO, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `metrics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        node: process.version,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        roundSeconds: ROUND_SECONDS,
        throughput: {
          rounds: rps.rounds,
          metricsOn: rps.onRps,
          metricsOff: rps.offRps,
          overheadPercent: rps.overhead,
          cpuUsPerRequest: { metricsOn: rps.onCpu, metricsOff: rps.offCpu, overheadPercent: rps.cpuOverhead, addedUs: rps.cpuAddedUs },
        },
        recordCost: cost,
        memory: { checkpoints: mem.checkpoints, series: mem.series, unknownUrls: 100_000, routeRequests: 1_000_000 },
        seconds: (performance.now() - started) / 1000,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`saved ${file}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
