/** The cache bench's sections on writes (with and without the outbox row) and on replicas (3 vs 1). */
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheService } from '../src/cache/cache.service.js';
import { FailoverCacheStore } from '../src/cache/stores/failover-cache.store.js';
import { TransactionRunner } from '../src/database/transaction.runner.js';
import { Mentor } from '../src/mentors/mentor.entity.js';
import { cannon, startApi, type ApiProcess, type Latency } from './api-process.js';

const WRITE_OPS = 200;
const WRITE_ROUNDS = 6;
const REPLICA_SECONDS = 5;
const REPLICA_CONNECTIONS = 24;

type Row = (name: string, value: string) => void;
const fmt = (value: number, digits = 1) => value.toFixed(digits);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timePerOp(ops: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await run(i);
  return Number(process.hrtime.bigint() - started) / 1000 / ops;
}

/**
 * A mentor update and its invalidation, side by side: through the outbox (the row commits with
 * the update, is applied to Redis, then deleted) and directly (update, then invalidate Redis, as
 * before the outbox: what a crash between the two would lose).
 */
export async function benchWrites(app: INestApplication, namespace: string, row: Row): Promise<Record<string, number>> {
  const transactions = app.get(TransactionRunner);
  const cache = app.get(CacheService);
  const store = app.get(FailoverCacheStore);
  const update = (i: number) => transactions.run((manager) => manager.update(Mentor, { id: 1 + (i % 50) }, { name: `Bench write ${i}` }));
  const patterns = (i: number) => [`mentor:${1 + (i % 50)}:*`, 'mentors:*'];
  const outbox: number[] = [];
  const direct: number[] = [];
  process.stdout.write(`\nMentor update + its invalidation (${WRITE_ROUNDS} alternating rounds of ${WRITE_OPS}, medians)\n`);
  for (let round = 0; round < WRITE_ROUNDS; round++) {
    outbox.push(await timePerOp(WRITE_OPS, (i) => cache.evictAfter(patterns(i), () => update(i))));
    direct.push(
      await timePerOp(WRITE_OPS, async (i) => {
        await update(i);
        await store.invalidate(patterns(i).map((pattern) => namespace + pattern));
      }),
    );
  }
  const result = { outboxUs: median(outbox), directUs: median(direct) };
  row('update + invalidation: with outbox row | without (direct)', `${fmt(result.outboxUs)} | ${fmt(result.directUs)} µs/op`);
  row('update + invalidation: with outbox row / without', `${fmt(result.outboxUs / result.directUs, 2)}×`);
  return result;
}

async function cannonAll(replicas: ApiProcess[], path: string): Promise<Latency> {
  const each = Math.max(1, Math.round(REPLICA_CONNECTIONS / replicas.length));
  const runs = await Promise.all(replicas.map((replica) => cannon(`${replica.base}${path}`, each, REPLICA_SECONDS)));
  return {
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
    rps: runs.reduce((sum, run) => sum + run.rps, 0),
    p50: median(runs.map((run) => run.p50)),
    p99: Math.max(...runs.map((run) => run.p99)),
    max: Math.max(...runs.map((run) => run.max)),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
  };
}

/** The cached mentor detail through 3 API processes sharing one Redis vs through 1, the same total connections. */
export async function benchReplicas(env: Record<string, string>, row: Row): Promise<Record<string, Latency>> {
  const root = mkdtempSync(join(tmpdir(), 'mentorhub-bench-replicas-'));
  const replicas: ApiProcess[] = [];
  try {
    for (let index = 0; index < 3; index++) replicas.push(await startApi(root, { ...env, INSTANCE_ID: `bench-${index}` }));
    const path = '/mentors/42';
    await cannonAll(replicas, path);
    process.stdout.write(`\nGET /api/v1/mentors/42 cached in Redis, ${REPLICA_CONNECTIONS} connections, ${REPLICA_SECONDS} s\n`);
    const one = await cannonAll(replicas.slice(0, 1), path);
    const three = await cannonAll(replicas, path);
    for (const [label, result] of [
      ['1 replica', one],
      ['3 replicas', three],
    ] as const) {
      row(
        `${label}: req/s | p50 | p99 (ms)`,
        `${fmt(result.rps, 0)} | ${fmt(result.p50, 2)} | ${fmt(result.p99, 2)}  (non-2xx ${result.non2xx})`,
      );
    }
    row('3 replicas / 1 replica throughput', `${fmt(three.rps / one.rps, 2)}×`);
    return { one, three };
  } finally {
    for (const replica of replicas) replica.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
