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

/** Opens the connection unless it is open or opening (ioredis reconnects by itself after that). */
export async function connectIfIdle(redis: Redis): Promise<void> {
  if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
}

/** Closes the connection if it was ever opened. */
export function disconnectIfOpen(redis: Redis): void {
  if (redis.status !== 'wait' && redis.status !== 'end') redis.disconnect();
}
