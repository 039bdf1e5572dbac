import type { Redis, RedisOptions } from 'ioredis';
import { connectIfIdle, closeFailFastRedis, failFastRedis } from '../../common/redis/fail-fast-redis.js';
import { parseSnapshot, type InstanceSnapshot } from './instance-snapshot.js';

/** What one exchange with the shared store returns. */
export interface SnapshotExchange {
  /** The current cluster-wide reset epoch (0 before the first reset). */
  epoch: number;
  /** The live snapshots of the other replicas. */
  others: InstanceSnapshot[];
}

/** Where replicas share their snapshots, behind an interface like @nestjs/throttler's storage (Redis is the one used). */
export interface MetricsSnapshotStorage {
  /** Publishes this replica's snapshot, kept `ttlMs`, and reads the epoch and the other live replicas' snapshots. */
  exchange(snapshot: InstanceSnapshot, ttlMs: number): Promise<SnapshotExchange>;
  /** Starts a new reset epoch for every replica and returns it. */
  nextEpoch(): Promise<number>;
  /** Takes this replica out of the view at once (a graceful stop) instead of after its TTL. */
  withdraw(instance: string): Promise<void>;
  close(): Promise<void>;
}

/** A command that has not answered by then fails: a frozen Redis must not hold a request or pile up ticks. */
const SNAPSHOT_COMMAND_TIMEOUT_MS = 500;

/**
 * Keys under `keyPrefix`: `instance:<id>` (the snapshot, expiring after its TTL so a dead replica
 * drops out), `instances` (a sorted set of ids by last publication, to find them without SCAN)
 * and `reset-epoch`. Two round trips per exchange.
 */
export class RedisMetricsSnapshotStorage implements MetricsSnapshotStorage {
  private readonly redis: Redis;

  constructor(
    connection: RedisOptions,
    private readonly keyPrefix: string,
  ) {
    this.redis = failFastRedis(connection, SNAPSHOT_COMMAND_TIMEOUT_MS);
  }

  async exchange(snapshot: InstanceSnapshot, ttlMs: number): Promise<SnapshotExchange> {
    await this.connect();
    const now = snapshot.publishedAt;
    const index = this.key('instances');
    const results = await this.redis
      .multi()
      .set(this.key(`instance:${snapshot.instance}`), JSON.stringify(snapshot), 'PX', ttlMs)
      .zadd(index, now, snapshot.instance)
      .zremrangebyscore(index, '-inf', now - ttlMs)
      .get(this.key('reset-epoch'))
      .zrange(index, 0, -1)
      .exec();
    if (!results) throw new Error('The snapshot exchange was discarded');
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0] as Error;
    const epoch = Number(results[3][1] ?? 0);
    const ids = (results[4][1] as string[]).filter((id) => id !== snapshot.instance);
    const raw = ids.length ? await this.redis.mget(ids.map((id) => this.key(`instance:${id}`))) : [];
    const others = raw.map(parseSnapshot).filter((other): other is InstanceSnapshot => other !== null);
    return { epoch, others };
  }

  async nextEpoch(): Promise<number> {
    await this.connect();
    return this.redis.incr(this.key('reset-epoch'));
  }

  async withdraw(instance: string): Promise<void> {
    await this.connect();
    await this.redis
      .multi()
      .del(this.key(`instance:${instance}`))
      .zrem(this.key('instances'), instance)
      .exec();
  }

  async close(): Promise<void> {
    closeFailFastRedis(this.redis);
  }

  private key(name: string): string {
    return `${this.keyPrefix}${name}`;
  }

  private connect(): Promise<void> {
    return connectIfIdle(this.redis);
  }
}
