import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { cacheConfig, type CacheConfig } from '../config/cache.config.js';
import { REDIS_CLIENT, SCAN_BATCH } from '../cache.constants.js';
import { RedisHealthJudge, type RedisVerdict } from './redis-health.judge.js';
import { probeRedis } from './redis-probe.js';

export type RedisHealthListener = (healthy: boolean, reason: string) => void;

/** The generations a fill read before loading: its SET only happens if they are unchanged. */
export type FillTicket = readonly [namespaceGeneration: string, segmentGeneration: string];

/** SET … PX only if no invalidation bumped the key's generations since the fill read them. */
const GUARDED_SET = `
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[3] or (redis.call('GET', KEYS[3]) or '') ~= ARGV[4] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

type GuardedRedis = Redis & {
  guardedSet(key: string, namespaceGen: string, segmentGen: string, value: string, ttlMs: number, a: string, b: string): Promise<number>;
};

/**
 * Redis for the cache: values are stored as one JSON string with one expiry (`SET … PX`).
 * Every invalidation first bumps a generation (the namespace's for a pattern with a wildcard in
 * its first segment, else that segment's), then deletes the matching keys; a fill stores only
 * if the generations it read before loading are unchanged, so a load that overlapped an
 * invalidation never leaves the old value behind. Whether Redis is usable is decided by
 * RedisHealthJudge from connection events and a PING probe on its own connection; a failing
 * command is counted and reported to the caller, never a reason to switch stores.
 */
@Injectable()
export class RedisCacheStore implements OnModuleDestroy {
  private readonly logger = new Logger(RedisCacheStore.name);
  private readonly judge: RedisHealthJudge;
  private probeClient?: Redis;
  private probe?: NodeJS.Timeout;
  private probing = false;
  private listener: RedisHealthListener = () => undefined;
  private stopped = false;
  private readonly generationKey: string;
  lastError?: string;
  /** Failed commands since start. */
  failures = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly client: Redis | null,
    @Inject(cacheConfig.KEY) private readonly config: CacheConfig,
  ) {
    this.judge = new RedisHealthJudge({ failuresToFail: config.probeFailures });
    this.generationKey = `${config.namespace}~gen`;
    client?.defineCommand('guardedSet', { numberOfKeys: 3, lua: GUARDED_SET });
  }

  get configured(): boolean {
    return this.client !== null;
  }

  get isHealthy(): boolean {
    return this.judge.healthy;
  }

  /** Subscribes to health changes, opens the connections and starts the probe; resolves once connected or failed. */
  async start(listener: RedisHealthListener): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.listener = listener;
    client.on('ready', () => this.report(this.judge.connectionReady()));
    client.on('close', () => this.report(this.judge.connectionLost('connection closed')));
    // Without a listener ioredis would report each failed reconnection as an unhandled error.
    client.on('error', (error: Error) => {
      this.lastError = error.message;
      this.logger.debug(`Redis error: ${error.message}`);
    });
    this.probeClient = client.duplicate({ commandTimeout: undefined, lazyConnect: true });
    this.probeClient.on('error', () => undefined);
    this.probeClient.connect().catch(() => undefined);
    this.probe = setInterval(() => void this.runProbe(), this.config.probeIntervalMs);
    this.probe.unref();
    try {
      // Awaited: before the connection is ready every command fails (no offline queue).
      await client.connect();
    } catch (error) {
      this.lastError = describe(error);
    }
  }

  /** The stored JSON; undefined on a miss and on a failure (a slow command is a miss, answered from the database). */
  // Not async: a hit goes through as few promises as possible.
  get(key: string): Promise<string | undefined> {
    return this.requireClient()
      .get(key)
      .then(
        (json) => json ?? undefined,
        (error: unknown) => {
          this.countFailure(error);
          return undefined;
        },
      );
  }

  /** The generations guarding `key`, read before a fill loads; undefined when Redis did not answer (do not store). */
  async fillTicket(key: string): Promise<FillTicket | undefined> {
    try {
      const [namespaceGen, segmentGen] = await this.requireClient().mget(this.generationKey, this.segmentGenerationKey(key));
      return [namespaceGen ?? '', segmentGen ?? ''];
    } catch (error) {
      this.countFailure(error);
      return undefined;
    }
  }

  /** Stores the JSON (only if `ticket`'s generations still hold, when given); false when it was not stored. */
  async set(key: string, json: string, ttlMs: number, ticket?: FillTicket): Promise<boolean> {
    const client = this.requireClient() as GuardedRedis;
    try {
      if (!ticket) return (await client.set(key, json, 'PX', ttlMs)) === 'OK';
      const stored = await client.guardedSet(key, this.generationKey, this.segmentGenerationKey(key), json, ttlMs, ticket[0], ticket[1]);
      return stored === 1;
    } catch (error) {
      this.countFailure(error);
      return false;
    }
  }

  /** Bumps the generations the patterns cover, then deletes their keys; resolves to how many. Throws when Redis fails. */
  async invalidate(patterns: readonly string[]): Promise<number> {
    const client = this.requireClient();
    try {
      const generations = new Set(patterns.map((pattern) => this.generationKeyOf(pattern)));
      await Promise.all([...generations].map((generation) => client.incr(generation)));
      let deleted = 0;
      for (const pattern of patterns) deleted += await this.clear(client, pattern);
      return deleted;
    } catch (error) {
      this.countFailure(error);
      throw error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.probe) clearInterval(this.probe);
    this.probeClient?.disconnect(false);
    const client = this.client;
    if (!client) return;
    if (client.status === 'ready') {
      try {
        await client.quit();
        return;
      } catch (error) {
        this.logger.debug(`Redis QUIT failed: ${describe(error)}`);
      }
    }
    client.disconnect(false);
  }

  /** SCAN … MATCH … COUNT with batched UNLINK: Redis keeps serving between steps (never KEYS, never FLUSHDB). */
  private async clear(client: Redis, pattern: string): Promise<number> {
    // A key is the pattern matching only itself: no need to scan for it.
    if (!/[*?]/.test(pattern)) return pattern.startsWith(this.generationKey) ? 0 : client.unlink(pattern);
    let cursor = '0';
    let deleted = 0;
    let unlinking: Promise<number> | undefined;
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
      cursor = next;
      // The generations outlive every clear: a reset one could equal what an old fill read.
      const keys = found.filter((key) => !key.startsWith(this.generationKey));
      if (keys.length > 0) {
        // One UNLINK in flight while the next SCAN step runs.
        if (unlinking) deleted += await unlinking;
        unlinking = client.unlink(...keys);
        // Awaited below; until then a timeout must not count as an unhandled rejection (it would end the process).
        unlinking.catch(() => undefined);
      }
    } while (cursor !== '0');
    if (unlinking) deleted += await unlinking;
    return deleted;
  }

  /** The generation of `key`'s first segment, taken literally (a `*` or `?` in it is just a character). */
  private segmentGenerationKey(key: string): string {
    return `${this.generationKey}:${this.firstSegment(key)}`;
  }

  /** A pattern whose first segment is literal bumps that segment's generation; any other, the namespace's. */
  private generationKeyOf(pattern: string): string {
    return /[*?]/.test(this.firstSegment(pattern)) ? this.generationKey : this.segmentGenerationKey(pattern);
  }

  private firstSegment(keyOrPattern: string): string {
    const relative = keyOrPattern.slice(this.config.namespace.length);
    const end = relative.indexOf(':');
    return end === -1 ? relative : relative.slice(0, end);
  }

  /** One probe at a time: a slow one must not count twice. */
  private async runProbe(): Promise<void> {
    if (this.stopped || !this.probeClient || this.probing) return;
    this.probing = true;
    const failure = await probeRedis(this.probeClient, this.config.probeTimeoutMs).finally(() => (this.probing = false));
    if (this.stopped) return;
    if (failure === undefined) this.report(this.judge.probeSucceeded());
    else {
      this.lastError = failure;
      this.report(this.judge.probeFailed(failure));
    }
  }

  private report(verdict: RedisVerdict | undefined): void {
    if (verdict === undefined || this.stopped) return;
    if (verdict === 'down') this.lastError = this.judge.reason;
    this.listener(verdict === 'up', this.judge.reason);
  }

  private countFailure(error: unknown): void {
    this.failures++;
    this.lastError = describe(error);
  }

  private requireClient(): Redis {
    if (!this.client) throw new Error('Redis is not configured');
    return this.client;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
