import { jest } from '@jest/globals';
import type { MetricsConfig } from '../config/metrics.config.js';
import { RequestStatsStore } from '../http/request-stats.store.js';
import { OperationStatsService } from '../operations/operation-stats.service.js';
import { ClusterMetricsService } from './cluster-metrics.service.js';
import type { InstanceSnapshot } from './instance-snapshot.js';
import type { MetricsSnapshotStorage, SnapshotExchange } from './metrics-snapshot.storage.js';

const INTERVAL_MS = 1000;
const config = {
  instance: 'a',
  enabled: true,
  slowMs: 500,
  maxSeries: 50,
  cluster: { intervalMs: INTERVAL_MS, ttlMs: 5000 },
} as MetricsConfig;

/** The shared store as a map, or failing like a Redis that does not answer. */
class FakeStorage implements MetricsSnapshotStorage {
  epoch = 0;
  down = false;
  readonly published = new Map<string, InstanceSnapshot>();

  async exchange(snapshot: InstanceSnapshot): Promise<SnapshotExchange> {
    if (this.down) throw new Error('Command timed out');
    this.published.set(snapshot.instance, snapshot);
    return { epoch: this.epoch, others: [...this.published.values()].filter((other) => other.instance !== snapshot.instance) };
  }

  async nextEpoch(): Promise<number> {
    if (this.down) throw new Error('Command timed out');
    return ++this.epoch;
  }

  async withdraw(instance: string): Promise<void> {
    this.published.delete(instance);
  }

  async close(): Promise<void> {}
}

function replica(instance: string, storage: FakeStorage) {
  const requests = new RequestStatsStore({ maxSeries: 50 });
  const operations = new OperationStatsService(config, { registerMetric: () => undefined } as never);
  const service = new ClusterMetricsService({ ...config, instance }, storage, requests, operations);
  return { requests, service };
}

describe('ClusterMetricsService', () => {
  let storage: FakeStorage;
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    storage = new FakeStorage();
  });
  afterEach(() => jest.useRealTimers());

  const tick = () => jest.advanceTimersByTimeAsync(INTERVAL_MS);

  it('merges the other replicas and lists each one', async () => {
    const a = replica('a', storage);
    const b = replica('b', storage);
    for (let i = 0; i < 3; i++) a.requests.record('GET', '/x', 200, 5);
    b.requests.record('GET', '/x', 200, 5);
    a.service.onApplicationBootstrap();
    b.service.onApplicationBootstrap();
    await tick();
    const view = a.service.view();
    expect(view.scope).toBe('cluster');
    expect(view.requests.totals().requests).toBe(4);
    expect(view.instances.map(({ instance, total_requests }) => [instance, total_requests])).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    await Promise.all([a.service.onModuleDestroy(), b.service.onModuleDestroy()]);
  });

  it('honours a reset made through another replica, and counts its stale snapshot as zero meanwhile', async () => {
    const a = replica('a', storage);
    const b = replica('b', storage);
    b.requests.record('GET', '/x', 200, 5);
    a.service.onApplicationBootstrap();
    b.service.onApplicationBootstrap();
    await tick();
    expect(await a.service.reset()).toBe('cluster');
    expect(a.service.view().requests.totals().requests).toBe(0);
    expect(a.service.view().instances.find((entry) => entry.instance === 'b')?.total_requests).toBe(0);
    await tick();
    expect(b.requests.totals().requests).toBe(0);
    await Promise.all([a.service.onModuleDestroy(), b.service.onModuleDestroy()]);
  });

  it('adopts the current epoch when it starts, without zeroing what it counted', async () => {
    storage.epoch = 7;
    const a = replica('a', storage);
    a.requests.record('GET', '/x', 200, 5);
    a.service.onApplicationBootstrap();
    await tick();
    expect(a.requests.totals().requests).toBe(1);
    await a.service.onModuleDestroy();
  });

  it('shows this replica alone while the store fails, and resets it alone', async () => {
    const a = replica('a', storage);
    a.requests.record('GET', '/x', 200, 5);
    a.service.onApplicationBootstrap();
    await tick();
    storage.down = true;
    await tick();
    const view = a.service.view();
    expect(view).toMatchObject({ scope: 'instance', redis: 'unavailable', refreshedAt: null });
    expect(view.instances.map((entry) => entry.instance)).toEqual(['a']);
    expect(await a.service.reset()).toBe('instance');
    expect(a.requests.totals().requests).toBe(0);
    await a.service.onModuleDestroy();
  });

  it('is this process alone without a store', () => {
    const service = new ClusterMetricsService(config, null, new RequestStatsStore({ maxSeries: 5 }), {
      snapshot: () => [],
    } as unknown as OperationStatsService);
    expect(service.view()).toMatchObject({ scope: 'instance', redis: 'not_configured' });
  });
});
