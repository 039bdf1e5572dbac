import { Redis, type RedisOptions } from 'ioredis';

/**
 * An ioredis client for work that must never wait on Redis: no offline queue, no per-command
 * retries, a command timeout, reconnection in the background. It connects on first use
 * (`connectIfIdle`); failures surface on the commands, so the caller decides what to log.
 */
export function failFastRedis(connection: RedisOptions, commandTimeoutMs: number): Redis {
  const redis = new Redis({
    ...connection,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    disconnectTimeout: 100,
  });
  redis.on('error', () => undefined);
  return redis;
}

/** The first connection attempt of each client, shared by the callers that arrive while it runs. */
const connecting = new WeakMap<Redis, Promise<void>>();

/**
 * Opens a client that has never connected; callers arriving meanwhile wait for the same attempt
 * (without an offline queue, their commands would fail on a half-open connection). After that
 * ioredis reconnects by itself, and a closed client stays closed.
 */
export function connectIfIdle(redis: Redis): Promise<void> {
  const pending = connecting.get(redis);
  if (pending) return pending;
  if (redis.status !== 'wait') return Promise.resolve();
  const attempt = redis.connect().finally(() => connecting.delete(redis));
  connecting.set(redis, attempt);
  return attempt;
}

/** Closes the client for good, also one that never connected, so a late caller cannot reopen it. */
export function closeFailFastRedis(redis: Redis): void {
  redis.disconnect();
}
