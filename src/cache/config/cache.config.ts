import { registerAs, type ConfigType } from '@nestjs/config';
import type { RedisOptions } from 'ioredis';
import { ConfigError, intVar, optionalStringVar, stringVar } from '../../common/config/env.util.js';

export interface RedisConnectionConfig {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL without credentials, safe for logs and status reports. */
  display: string;
}

/** Parses `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). */
export function parseRedisUrl(raw: string): RedisConnectionConfig {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL is not a valid URL, e.g. redis://localhost:6379/0');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got a "${url.protocol}" URL`);
  }
  if (!url.hostname) throw new ConfigError('REDIS_URL must name a host, e.g. redis://localhost:6379/0');
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) {
    throw new ConfigError(`REDIS_URL must end with a database number (e.g. /0), got "/${path}"`);
  }
  const db = path === '' ? 0 : Number(path);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === 'rediss:',
    display: `${url.protocol}//${url.host}/${db}`,
  };
}

/** Letters, digits and `_ . -` segments, ending with `:` so no other namespace can start with ours. */
const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*:$/;

export const cacheConfig = registerAs('cache', () => {
  const namespace = stringVar('CACHE_NAMESPACE', 'mentorhub:');
  if (namespace.length > 64 || !NAMESPACE_PATTERN.test(namespace)) {
    throw new ConfigError(
      `CACHE_NAMESPACE must be up to 64 letters, digits, "_", ".", "-" or ":" and end with ":", e.g. mentorhub:, got "${namespace}"`,
    );
  }
  const redisUrl = optionalStringVar('REDIS_URL');
  return {
    /** Unset: the in-memory store only. */
    redis: redisUrl === undefined ? undefined : parseRedisUrl(redisUrl),
    namespace,
    memoryMaxEntries: intVar('CACHE_MEMORY_MAX_ENTRIES', 10_000, { min: 1, max: 10_000_000 }),
    /** A slower command is a miss (or leaves its invalidation to the outbox), never a reason to switch stores. */
    commandTimeoutMs: intVar('CACHE_COMMAND_TIMEOUT_MS', 250, { min: 1, max: 10_000 }),
    connectTimeoutMs: intVar('CACHE_CONNECT_TIMEOUT_MS', 1000, { min: 10, max: 60_000 }),
    retryIntervalMs: intVar('CACHE_RETRY_INTERVAL_MS', 1000, { min: 10, max: 60_000 }),
    probeIntervalMs: intVar('CACHE_PROBE_INTERVAL_MS', 500, { min: 10, max: 60_000 }),
    probeTimeoutMs: intVar('CACHE_PROBE_TIMEOUT_MS', 1000, { min: 10, max: 60_000 }),
    probeFailures: intVar('CACHE_PROBE_FAILURES', 3, { min: 1, max: 100 }),
    /** How long a memory entry may be served while Redis is down. */
    degradedTtlMs: intVar('CACHE_DEGRADED_TTL', 5, { min: 1, max: 3600 }) * 1000,
    /** How often pending invalidations are looked for (and applied when Redis answers). */
    outboxPollMs: intVar('CACHE_OUTBOX_POLL_MS', 1000, { min: 10, max: 60_000 }),
  };
});

export type CacheConfig = ConfigType<typeof cacheConfig>;

/** REDIS_URL as ioredis options, for modules that open their own connection to the cache's Redis. */
export function redisConnectionOptions(config: CacheConfig): RedisOptions | undefined {
  const redis = config.redis;
  return (
    redis && {
      host: redis.host,
      port: redis.port,
      db: redis.db,
      username: redis.username,
      password: redis.password,
      tls: redis.tls ? {} : undefined,
    }
  );
}

/** A key prefix beside the cache namespace (`mentorhub:` → `mentorhub-<name>:`), out of reach of a cache clear. */
export function besideNamespace(config: CacheConfig, name: string): string {
  return `${config.namespace.slice(0, -1)}-${name}:`;
}
