import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import { connectIfIdle, closeFailFastRedis, failFastRedis } from '../../common/redis/fail-fast-redis.js';

/** Where an address stands in its current one-minute window. */
interface LoginWindow {
  attempts: number;
  /** Milliseconds until the window ends. */
  resetsInMs: number;
}

const LOGIN_WINDOW_MS = 60_000;
/** Addresses tracked at once in memory; a flood from more addresses evicts the oldest windows first. */
const MAX_TRACKED = 10_000;
/** A login waits at most this long for Redis before the process counts alone. */
const REDIS_TIMEOUT_MS = 250;
/** After a Redis failure, how long the process counts alone before it asks Redis again (no login waits on a dead Redis meanwhile). */
const RETRY_AFTER_MS = 5_000;

/** Fixed windows per address in this process: the count when Redis is not configured or not answering. */
class MemoryLoginWindows {
  private readonly windows = new Map<string, { startedAt: number; attempts: number }>();

  hit(address: string, now: number): LoginWindow {
    let window = this.windows.get(address);
    if (!window || now - window.startedAt >= LOGIN_WINDOW_MS) {
      this.windows.delete(address);
      if (this.windows.size >= MAX_TRACKED) this.evict(now);
      window = { startedAt: now, attempts: 0 };
      this.windows.set(address, window);
    }
    window.attempts++;
    return { attempts: window.attempts, resetsInMs: window.startedAt + LOGIN_WINDOW_MS - now };
  }

  get size(): number {
    return this.windows.size;
  }

  /** Drops finished windows, then the oldest ones (a Map iterates in insertion order) until there is room. */
  private evict(now: number): void {
    for (const [address, window] of this.windows) if (now - window.startedAt >= LOGIN_WINDOW_MS) this.windows.delete(address);
    for (const address of this.windows.keys()) {
      if (this.windows.size < MAX_TRACKED) break;
      this.windows.delete(address);
    }
  }
}

/**
 * Login attempts per client address and minute. With Redis, one count for every replica (a key per
 * address that expires with its window: SET NX PX, INCR, PTTL in one transaction), so N replicas
 * do not allow N times the limit. When Redis fails, the process counts alone, logs it once, and
 * asks Redis again a few seconds later.
 */
export class LoginAttemptsCounter implements OnModuleDestroy {
  private readonly logger = new Logger(LoginAttemptsCounter.name);
  private readonly memory = new MemoryLoginWindows();
  private readonly redis?: Redis;
  private readonly keyPrefix: string;
  private degradedUntil = 0;

  constructor(redis?: { connection: RedisOptions; keyPrefix: string }) {
    this.keyPrefix = redis?.keyPrefix ?? '';
    if (!redis) return;
    this.redis = failFastRedis(redis.connection, REDIS_TIMEOUT_MS);
  }

  async hit(address: string): Promise<LoginWindow> {
    const now = Date.now();
    if (!this.redis || now < this.degradedUntil) return this.memory.hit(address, now);
    try {
      const window = await this.hitShared(this.redis, address);
      if (this.degradedUntil) this.logger.log('Login rate limit: counting across replicas in Redis again');
      this.degradedUntil = 0;
      return window;
    } catch (error) {
      if (!this.degradedUntil) {
        this.logger.warn(
          `Login rate limit: Redis unavailable, counting per process (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      this.degradedUntil = now + RETRY_AFTER_MS;
      return this.memory.hit(address, now);
    }
  }

  /** Windows held in memory (the fallback's), for tests of its bound. */
  get trackedInMemory(): number {
    return this.memory.size;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.redis) closeFailFastRedis(this.redis);
  }

  private async hitShared(redis: Redis, address: string): Promise<LoginWindow> {
    await connectIfIdle(redis);
    const key = `${this.keyPrefix}${address}`;
    const results = await redis.multi().set(key, 0, 'PX', LOGIN_WINDOW_MS, 'NX').incr(key).pttl(key).exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('The login count was discarded');
    const ttl = Number(results[2][1]);
    return { attempts: Number(results[1][1]), resetsInMs: ttl > 0 ? ttl : LOGIN_WINDOW_MS };
  }
}
