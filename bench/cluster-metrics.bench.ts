/**
 * Cluster metrics benchmark: what sharing the admin view across replicas costs. (1) Publishing:
 * CPU per second of one replica's snapshot exchange (build, serialise, send, read the others) and
 * the Redis bytes per second it moves, with 3 and 20 replicas publishing to a private
 * redis-server. (2) Reading: one admin metrics view merged from 3 and from 20 replicas' snapshots,
 * side by side with the single-process view of the same data.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { ClusterMetricsService } from '../src/metrics/cluster/cluster-metrics.service.js';
import type { InstanceSnapshot } from '../src/metrics/cluster/instance-snapshot.js';
import { RedisMetricsSnapshotStorage, type MetricsSnapshotStorage } from '../src/metrics/cluster/metrics-snapshot.storage.js';
import type { MetricsConfig } from '../src/metrics/config/metrics.config.js';
import { RequestStatsStore } from '../src/metrics/http/request-stats.store.js';
import { OperationStatsService } from '../src/metrics/operations/operation-stats.service.js';
import { RedisServerProcess } from '../test/support/redis-server.js';

const REPO = join(dirname(new URL(import.meta.url).pathname), '..', '..');
/** A busy API's shape: 60 method + route series, 12 measured operations, 200,000 requests with spread-out latencies. */
const SERIES = 60;
const OPERATIONS = 12;
const REQUESTS = 200_000;
const EXCHANGES = 200;
const VIEWS = 300;

const config = (instance: string): MetricsConfig =>
  ({ instance, enabled: true, slowMs: 500, maxSeries: 200, cluster: { intervalMs: 1000, ttlMs: 5000 } }) as MetricsConfig;

/** One replica's statistics after a day of traffic (deterministic). */
function busyReplica(instance: string, storage: MetricsSnapshotStorage | null) {
  const requests = new RequestStatsStore({ maxSeries: 200 });
  const operations = new OperationStatsService(config(instance), new Registry());
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < REQUESTS; i++) {
    const series = i % SERIES;
    const status = random() < 0.01 ? 500 : random() < 0.05 ? 404 : 200;
    requests.record(series % 3 ? 'GET' : 'POST', `/api/v1/route-${series}/:id`, status, Math.exp(1 + 3 * random()));
  }
  for (let i = 0; i < REQUESTS / 10; i++) operations.record(`operation.${i % OPERATIONS}`, Math.exp(2 * random()), false, 1e9);
  return { service: new ClusterMetricsService(config(instance), storage, requests, operations), requests, operations };
}

function snapshotOf(replica: ReturnType<typeof busyReplica>, instance: string): InstanceSnapshot {
  return { instance, epoch: 0, publishedAt: Date.now(), requests: replica.requests.toRecord(), operations: replica.operations.toRecords() };
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function netBytes(server: RedisServerProcess): Promise<number> {
  const client = server.client();
  await client.connect();
  const info = await client.info('stats');
  client.disconnect();
  const read = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? 0);
  return read('total_net_input_bytes') + read('total_net_output_bytes');
}

/** One replica's exchanges with `replicas - 1` others already published: CPU ms and Redis bytes per exchange (one a second by default). */
async function publishing(server: RedisServerProcess, replicas: number) {
  const prefix = `bench-${replicas}:`;
  const others = busyReplica('other', null);
  const seeder = new RedisMetricsSnapshotStorage({ host: '127.0.0.1', port: server.port }, prefix);
  for (let i = 1; i < replicas; i++) await seeder.exchange(snapshotOf(others, `replica-${i}`), 600_000);
  await seeder.close();
  const storage = new RedisMetricsSnapshotStorage({ host: '127.0.0.1', port: server.port }, prefix);
  const replica = busyReplica('replica-0', storage);
  await storage.exchange(snapshotOf(replica, 'replica-0'), 600_000);
  const snapshotBytes = Buffer.byteLength(JSON.stringify(snapshotOf(replica, 'replica-0')));
  const bytesBefore = await netBytes(server);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < EXCHANGES; i++) await storage.exchange(snapshotOf(replica, 'replica-0'), 600_000);
  const wallMs = (performance.now() - started) / EXCHANGES;
  const cpuPerExchange = cpuMs(cpuBefore) / EXCHANGES;
  // The INFO call itself moves a few kB: negligible against EXCHANGES snapshots.
  const bytesPerExchange = ((await netBytes(server)) - bytesBefore) / EXCHANGES;
  await storage.close();
  return { replicas, snapshotBytes, cpuMsPerExchange: cpuPerExchange, wallMsPerExchange: wallMs, redisBytesPerExchange: bytesPerExchange };
}

/** An admin view as MetricsService builds it (totals, window, endpoints, rankings), µs per call. */
function viewMicros(service: ClusterMetricsService): number {
  const started = performance.now();
  for (let i = 0; i < VIEWS; i++) {
    const view = service.view();
    view.requests.totals();
    view.requests.recentWindow();
    const endpoints = view.requests.endpoints();
    endpoints.sort((a, b) => b.count - a.count);
    [...endpoints].sort((a, b) => b.avgMs - a.avgMs);
  }
  return ((performance.now() - started) * 1000) / VIEWS;
}

/** A store handing out `others` (already fetched), so only the merge is timed. */
async function readingWith(replicas: number): Promise<number> {
  const others = busyReplica('other', null);
  const published = Array.from({ length: replicas - 1 }, (_, i) => snapshotOf(others, `replica-${i + 1}`));
  const storage: MetricsSnapshotStorage = {
    exchange: async () => ({ epoch: 0, others: published }),
    nextEpoch: async () => 0,
    withdraw: async () => undefined,
    close: async () => undefined,
  };
  const replica = busyReplica('replica-0', storage);
  replica.service.onApplicationBootstrap();
  await new Promise((resolve) => setImmediate(resolve));
  if (replica.service.view().scope !== 'cluster') throw new Error('the merged view was not built');
  viewMicros(replica.service);
  const micros = viewMicros(replica.service);
  await replica.service.onModuleDestroy();
  return micros;
}

async function main() {
  const server = await RedisServerProcess.create();
  await server.start();
  try {
    const publish = [await publishing(server, 3), await publishing(server, 20)];
    const single = busyReplica('replica-0', null);
    viewMicros(single.service);
    const singleMicros = viewMicros(single.service);
    const merged3 = await readingWith(3);
    const merged20 = await readingWith(20);

    console.log(
      `Snapshot of one busy replica (${SERIES} series, ${OPERATIONS} operations): ${(publish[0].snapshotBytes / 1024).toFixed(1)} kB of JSON`,
    );
    console.log('\nPublishing, one exchange a second (METRICS_CLUSTER_INTERVAL_MS=1000), per replica:');
    for (const p of publish) {
      console.log(
        `  ${String(p.replicas).padStart(2)} replicas: CPU ${p.cpuMsPerExchange.toFixed(2)} ms/s (${(p.cpuMsPerExchange / 10).toFixed(2)} % of a core), ` +
          `Redis ${(p.redisBytesPerExchange / 1024).toFixed(1)} kB/s in+out, exchange wall time ${p.wallMsPerExchange.toFixed(2)} ms`,
      );
    }
    console.log('\nOne admin metrics view (merge + rankings), same data per replica:');
    console.log(`  single process:   ${singleMicros.toFixed(0)} µs  (1.0×)`);
    console.log(`  merged, 3 pods:   ${merged3.toFixed(0)} µs  (${(merged3 / singleMicros).toFixed(1)}×)`);
    console.log(`  merged, 20 pods:  ${merged20.toFixed(0)} µs  (${(merged20 / singleMicros).toFixed(1)}×)`);

    const resultsDir = join(REPO, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `cluster-metrics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ publish, view: { singleMicros, merged3Micros: merged3, merged20Micros: merged20 } }, null, 2));
    console.log(`\nSaved ${file}`);
  } finally {
    await server.destroy();
  }
}

await main();
