import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import pg from 'pg';
import { AppModule } from '../src/app.module.js';
import { configureApp, createHttpAdapter } from '../src/app.setup.js';
import { CacheService } from '../src/cache/cache.service.js';
import { CachedMethodsExplorer } from '../src/cache/decorators/cached-methods.explorer.js';
import { DemoDataService } from '../src/demo-data/demo-data.service.js';
import { RedisServerProcess } from '../test/support/redis-server.js';
import { benchReplicas, benchWrites } from './cache-writes-replicas.js';

/**
 * Cache benchmark, everything side by side in one run:
 * 1. HTTP: GET /api/v1/mentors/:id and course search on PostgreSQL with a large seed, with the
 *    cache (Redis) and without it (same app, @Cached methods left unwrapped).
 * 2. CacheService.get hit via Redis vs a raw ioredis GET of the same key; memory-store hits.
 * 3. clear(pattern) over 1M keys (SCAN + UNLINK) vs KEYS, and a concurrent client's latency.
 * 4. A mentor update with its outbox row vs the same update invalidating Redis directly.
 * 5. The cached mentor detail through 3 API processes vs 1 (cache-writes-replicas.ts).
 * Redis is a private redis-server on a spare port (never the shared one); it is killed at the end.
 */

const PG_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BENCH_DB = 'mentorhub_bench_cache';
const SEED = { mentors: 10_000, coursesPerMentor: 6, reviewsPerMentor: 5, students: 2_000 };
const HTTP_SECONDS = 5;
const HTTP_CONCURRENCY = 16;
const HOT_MENTORS = 1000;
const SEARCH_TERMS = ['redis', 'nest', 'kubernetes', 'typescript', 'postgres', 'react', 'docker', 'testing'];
const GET_OPS = 500;
const GET_ROUNDS = 20;
const BULK_KEYS = 1_000_000;

const results: Record<string, unknown> = {};
const table: [string, string][] = [];
const row = (name: string, value: string) => {
  table.push([name, value]);
  process.stdout.write(`  ${name.padEnd(62)} ${value}\n`);
};

async function ensureDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [BENCH_DB]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${BENCH_DB}`;
  return url.toString();
}

async function createApp(env: Record<string, string | undefined>, cached: boolean): Promise<INestApplication> {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  let builder = Test.createTestingModule({ imports: [AppModule] });
  // The uncached baseline: the same app with the @Cached()/@CacheEvict() wrappers never installed.
  if (!cached) builder = builder.overrideProvider(CachedMethodsExplorer).useValue({ onModuleInit: () => undefined });
  const app = (await builder.compile()).createNestApplication<NestFastifyApplication>(createHttpAdapter(), { logger: ['error', 'warn'] });
  configureApp(app, { swagger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

/** Load from a worker thread, so the generator does not share the server's event loop. */
function load(baseUrl: string, paths: string[], seconds: number, concurrency: number): Promise<LoadResult> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const { baseUrl, paths, seconds, concurrency } = workerData;
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const latencies = []; let errors = 0; let next = 0;
    const end = Date.now() + seconds * 1000;
    const one = (path) => new Promise((resolve) => {
      const started = process.hrtime.bigint();
      http.get(baseUrl + path, { agent }, (res) => {
        res.resume();
        res.on('end', () => { if (res.statusCode !== 200) errors++; latencies.push(Number(process.hrtime.bigint() - started) / 1e6); resolve(); });
      }).on('error', () => { errors++; resolve(); });
    });
    const worker = async () => { while (Date.now() < end) await one(paths[next++ % paths.length]); };
    Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
      latencies.sort((a, b) => a - b);
      const pick = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
      agent.destroy();
      parentPort.postMessage({ requests: latencies.length, errors, rps: latencies.length / seconds, p50: pick(0.5), p99: pick(0.99) });
    });
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { baseUrl, paths, seconds, concurrency } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

function shuffled<T>(items: T[]): T[] {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return items
    .map((item) => [random(), item] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, item]) => item);
}

async function timePerOp(ops: number, run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await run();
  return Number(process.hrtime.bigint() - started) / 1000 / ops;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (value: number, digits = 1) => value.toFixed(digits);

interface LatencyStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * A separate client in a worker thread timing GETs back to back while `action` runs: its own
 * event loop, so it measures Redis' responsiveness, not this process being busy clearing.
 */
async function latencyDuring(port: number, action: () => Promise<unknown>): Promise<LatencyStats> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { Redis } = require('ioredis');
    const client = new Redis({ port: workerData.port });
    const latencies = []; let done = false;
    parentPort.on('message', () => (done = true));
    (async () => {
      await client.get('bench:probe');
      parentPort.postMessage('ready');
      while (!done) {
        const started = process.hrtime.bigint();
        await client.get('bench:probe');
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      client.disconnect();
      latencies.sort((a, b) => a - b);
      const pick = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] || 0;
      parentPort.postMessage({ count: latencies.length, p50: pick(0.5), p99: pick(0.99), max: latencies[latencies.length - 1] || 0 });
    })();
  `;
  const worker = new Worker(source, { eval: true, workerData: { port } });
  await new Promise((resolve) => worker.once('message', resolve));
  const stats = new Promise<LatencyStats>((resolve) => worker.once('message', resolve));
  await action().catch(() => undefined);
  worker.postMessage('stop');
  const result = await stats;
  await worker.terminate();
  return result;
}

async function main(): Promise<void> {
  const started = Date.now();
  const redis = await RedisServerProcess.create();
  await redis.start();
  const raw = new Redis({ port: redis.port });
  const databaseUrl = await ensureDatabase();
  const baseEnv = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-signing',
    ADMIN_EMAIL: 'admin@bench.local',
    ADMIN_PASSWORD: 'bench-admin-password',
    LOG_TO_FILE: 'false',
    DEMO_DATA: 'false',
    CACHE_NAMESPACE: 'mentorhub-bench:',
  };
  const apps: INestApplication[] = [];
  try {
    const cachedApp = await createApp({ ...baseEnv, REDIS_URL: `redis://127.0.0.1:${redis.port}/0` }, true);
    apps.push(cachedApp);
    const uncachedApp = await createApp({ ...baseEnv, REDIS_URL: undefined }, false);
    apps.push(uncachedApp);

    const pgClient = new pg.Client({ connectionString: databaseUrl });
    await pgClient.connect();
    const mentorCount = Number((await pgClient.query<{ n: string }>('SELECT COUNT(*) AS n FROM mentors')).rows[0].n);
    if (mentorCount < SEED.mentors) {
      process.stdout.write(`Seeding ${BENCH_DB} (${SEED.mentors} mentors, once; reused by later runs)…\n`);
      const seeded = await cachedApp.get(DemoDataService).seed(SEED);
      process.stdout.write(`  seeded in ${seeded.durationMs} ms\n`);
    }
    const counts = (await pgClient.query('SELECT (SELECT COUNT(*) FROM mentors) AS mentors, (SELECT COUNT(*) FROM courses) AS courses'))
      .rows[0] as {
      mentors: string;
      courses: string;
    };
    await pgClient.end();
    results.dataset = { mentors: Number(counts.mentors), courses: Number(counts.courses) };
    process.stdout.write(`\nPostgreSQL ${BENCH_DB}: ${counts.mentors} mentors, ${counts.courses} courses\n`);

    // 1. HTTP, cached vs uncached, same paths in the same order.
    const mentorPaths = shuffled(
      Array.from({ length: HOT_MENTORS }, (_, i) => `/api/v1/mentors/${1 + ((i * 7919) % Number(counts.mentors))}`),
    );
    const searchPaths = shuffled(
      SEARCH_TERMS.flatMap((q) => [1, 2, 3].map((page) => `/api/v1/courses/search?q=${q}&page=${page}&limit=20`)),
    );
    const url = (app: INestApplication) => `http://127.0.0.1:${(app.getHttpServer() as { address(): { port: number } }).address().port}`;
    const cache = cachedApp.get(CacheService);
    await cache.clear('*');
    process.stdout.write(
      `\nHTTP (${HTTP_CONCURRENCY} concurrent keep-alive clients, ${HTTP_SECONDS} s each, ${HOT_MENTORS} mentor ids / ${searchPaths.length} searches)\n`,
    );
    const http: Record<string, unknown> = {};
    for (const [name, paths] of [
      ['GET /api/v1/mentors/:id', mentorPaths],
      ['GET /api/v1/courses/search', searchPaths],
    ] as const) {
      // Warm both: the cached app's entries are loaded once, the uncached app's pool and plans too.
      await load(url(cachedApp), paths, 1, HTTP_CONCURRENCY);
      await load(url(uncachedApp), paths, 1, HTTP_CONCURRENCY);
      const uncached = await load(url(uncachedApp), paths, HTTP_SECONDS, HTTP_CONCURRENCY);
      const cachedRun = await load(url(cachedApp), paths, HTTP_SECONDS, HTTP_CONCURRENCY);
      http[name] = { uncached, cached: cachedRun, speedup: cachedRun.rps / uncached.rps };
      row(
        `${name} uncached: req/s | p50 | p99 (ms)`,
        `${fmt(uncached.rps, 0)} | ${fmt(uncached.p50, 2)} | ${fmt(uncached.p99, 2)}  (errors ${uncached.errors})`,
      );
      row(
        `${name} cached (Redis): req/s | p50 | p99 (ms)`,
        `${fmt(cachedRun.rps, 0)} | ${fmt(cachedRun.p50, 2)} | ${fmt(cachedRun.p99, 2)}  (errors ${cachedRun.errors})`,
      );
      row(`${name} cached / uncached throughput`, `${fmt(cachedRun.rps / uncached.rps, 2)}×`);
    }
    results.http = http;

    // 2. CacheService.get on Redis vs raw ioredis GET of the same key, interleaved rounds.
    process.stdout.write(
      `\nCacheService.get hit via Redis vs raw ioredis GET (sequential; ${GET_ROUNDS} alternating rounds of ${GET_OPS} ops, medians)\n`,
    );
    const getResults: Record<string, unknown> = {};
    const mentorPage = await (await fetch(`${url(cachedApp)}/api/v1/mentors?limit=20`)).json();
    const mentor = await (await fetch(`${url(cachedApp)}/api/v1/mentors/42`)).json();
    for (const [label, value] of [
      ['mentor detail', mentor],
      ['page of 20 mentors', mentorPage],
    ] as const) {
      const key = `bench-get:${label.replace(/\W+/g, '-')}`;
      await cache.set(key, value, 600);
      const fullKey = `mentorhub-bench:${key}`;
      const bytes = (await raw.get(fullKey))?.length ?? 0;
      const ours: number[] = [];
      const plain: number[] = [];
      const plainParsed: number[] = [];
      // Short alternating rounds: this shared machine's speed drifts, and both sides must see the same drift.
      for (let round = 0; round < GET_ROUNDS; round++) {
        ours.push(await timePerOp(GET_OPS, () => cache.get(key)));
        plain.push(await timePerOp(GET_OPS, () => raw.get(fullKey)));
        plainParsed.push(await timePerOp(GET_OPS, async () => JSON.parse((await raw.get(fullKey)) ?? 'null') as unknown));
      }
      const entry = { bytes, cacheServiceUs: median(ours), rawGetUs: median(plain), rawGetJsonParseUs: median(plainParsed) };
      getResults[label] = {
        ...entry,
        ratio: entry.cacheServiceUs / entry.rawGetUs,
        ratioParsed: entry.cacheServiceUs / entry.rawGetJsonParseUs,
      };
      row(
        `${label} (${bytes} B stored): CacheService.get | raw GET | raw GET+JSON.parse`,
        `${fmt(entry.cacheServiceUs)} | ${fmt(entry.rawGetUs)} | ${fmt(entry.rawGetJsonParseUs)} µs/op`,
      );
      row(`${label}: CacheService.get / raw GET`, `${fmt(entry.cacheServiceUs / entry.rawGetUs, 2)}×`);
      row(`${label}: CacheService.get / raw GET+JSON.parse`, `${fmt(entry.cacheServiceUs / entry.rawGetJsonParseUs, 2)}×`);
    }
    results.get = getResults;

    const memoryCache = uncachedApp.get(CacheService);
    await memoryCache.set('bench-memory:mentor', mentor, 600);
    const memoryOps = 200_000;
    const memoryUs = await timePerOp(memoryOps, () => memoryCache.get('bench-memory:mentor'));
    results.memoryHitOpsPerSecond = 1e6 / memoryUs;
    row('memory store: CacheService.get hit (mentor detail)', `${fmt(1e6 / memoryUs, 0)} ops/s (${fmt(memoryUs, 2)} µs/op)`);

    // 3. clear(pattern) over 1M keys vs KEYS, with a concurrent client's GET latency.
    process.stdout.write(`\nclear(pattern) with ${BULK_KEYS.toLocaleString('en')} matching keys (private redis-server)\n`);
    const writeBulk = async () => {
      for (let start = 0; start < BULK_KEYS; start += 20_000) {
        const pipeline = raw.pipeline();
        for (let i = start; i < Math.min(BULK_KEYS, start + 20_000); i++) pipeline.set(`mentorhub-bench:bulk:${i}`, 'x', 'EX', 3600);
        await pipeline.exec();
      }
    };
    const bulkStarted = Date.now();
    await writeBulk();
    row('pipelined SET of 1M keys', `${Date.now() - bulkStarted} ms`);
    await raw.set('bench:probe', 'v');
    const idle = await latencyDuring(redis.port, () => new Promise((resolve) => setTimeout(resolve, 1000)));
    row('concurrent client GET, idle: p50 | p99 | max (ms)', `${fmt(idle.p50, 3)} | ${fmt(idle.p99, 3)} | ${fmt(idle.max, 3)}`);

    let clearMs = 0;
    let clearing: Promise<number> = Promise.resolve(0);
    const duringClear = await latencyDuring(redis.port, () => {
      const clearStarted = process.hrtime.bigint();
      clearing = cache.clear('bulk:*').finally(() => (clearMs = Number(process.hrtime.bigint() - clearStarted) / 1e6));
      return clearing;
    });
    const deleted = await clearing;
    row(`CacheService.clear('bulk:*') (SCAN+UNLINK): deleted | time`, `${deleted} | ${fmt(clearMs, 0)} ms`);
    row(
      'concurrent client GET during clear: p50 | p99 | max (ms)',
      `${fmt(duringClear.p50, 3)} | ${fmt(duringClear.p99, 3)} | ${fmt(duringClear.max, 3)}`,
    );

    await writeBulk();
    const keysClient = new Redis({ port: redis.port });
    let keysMs = 0;
    let keysCall: Promise<string[]> = Promise.resolve([]);
    const duringKeys = await latencyDuring(redis.port, () => {
      const keysStarted = process.hrtime.bigint();
      keysCall = keysClient.keys('mentorhub-bench:bulk:*').finally(() => (keysMs = Number(process.hrtime.bigint() - keysStarted) / 1e6));
      return keysCall;
    });
    const keysFound = (await keysCall).length;
    row(`for comparison, KEYS (what the legacy store would run): found | time`, `${keysFound} | ${fmt(keysMs, 0)} ms`);
    row(
      'concurrent client GET during KEYS: p50 | p99 | max (ms)',
      `${fmt(duringKeys.p50, 3)} | ${fmt(duringKeys.p99, 3)} | ${fmt(duringKeys.max, 3)}`,
    );
    results.clear = { keys: BULK_KEYS, deleted, clearMs, idle, duringClear, keysCommand: { found: keysFound, ms: keysMs, duringKeys } };
    keysClient.disconnect();
    // Pattern invalidations SCAN the keyspace: the writes below run on the app's usual keys, not on 1M bulk ones.
    await cache.clear('bulk:*');

    results.writes = await benchWrites(cachedApp, 'mentorhub-bench:', row);
    for (const app of apps.splice(0)) await app.close();
    results.replicas = await benchReplicas(
      { ...baseEnv, REDIS_URL: `redis://127.0.0.1:${redis.port}/0`, BACKUP_ENABLED: 'false', LOGIN_RATE_LIMIT: '100000' },
      row,
    );
  } finally {
    for (const app of apps) await app.close();
    raw.disconnect();
    await redis.destroy();
  }

  results.totalSeconds = (Date.now() - started) / 1000;
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `cache-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ results, table }, null, 2));
  process.stdout.write(`\nTotal ${fmt(results.totalSeconds as number, 0)} s; results in ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`cache bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
