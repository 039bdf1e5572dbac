import { createHash } from 'node:crypto';

/**
 * Key layout (relative to the namespace): `<prefix>:<arg>:<arg>…:<scope>`. Every argument has
 * its own `:`-separated segment, so `mentor:42:*` matches mentor 42 and never 142 or 420.
 */

/** Characters allowed in a pattern: the key alphabet plus the `*` and `?` wildcards. */
const PATTERN_ALPHABET = /^[A-Za-z0-9:_.@#~*?-]+$/;
const KEY_ALPHABET = /^[A-Za-z0-9:_.@#~-]+$/;
export const MAX_PATTERN_LENGTH = 200;
const PREFIX_PATTERN = /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*$/;
/** Strings that are safe to keep readable in a key segment; anything else is hashed. */
const READABLE_SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;

export class InvalidCachePatternError extends Error {
  override readonly name = 'InvalidCachePatternError';
}

/** Why a pattern is refused, or undefined when it is acceptable. */
export function describeInvalidPattern(pattern: string): string | undefined {
  if (pattern.length === 0) return 'pattern must not be empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern must be at most ${MAX_PATTERN_LENGTH} characters`;
  if (!PATTERN_ALPHABET.test(pattern)) {
    return 'pattern may only contain letters, digits, ":", "_", ".", "-", "@", "#", "~" and the wildcards "*" and "?"';
  }
  return undefined;
}

export function assertValidPattern(pattern: string): void {
  const problem = describeInvalidPattern(pattern);
  if (problem) throw new InvalidCachePatternError(problem);
}

/** The same glob semantics Redis' SCAN MATCH applies, restricted to `*` and `?`. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.\\^$+()|{}[\]-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** Keys use the pattern alphabet without wildcards, so a key is also the pattern matching exactly itself. */
export function invalidKeyError(key: string): InvalidCachePatternError | undefined {
  if (key.length > 0 && key.length <= MAX_PATTERN_LENGTH && KEY_ALPHABET.test(key)) return undefined;
  return new InvalidCachePatternError(
    `cache key "${key.slice(0, 50)}" must be 1 to ${MAX_PATTERN_LENGTH} letters, digits, ":", "_", ".", "-", "@", "#" or "~"`,
  );
}

export function assertValidKey(key: string): void {
  const error = invalidKeyError(key);
  if (error) throw error;
}

export function assertValidPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new InvalidCachePatternError(`cache key prefix "${prefix}" must be ":"-separated letters, digits, "_", "." or "-"`);
  }
}

function stableJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => stableJson(item)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const fields = Object.keys(record)
    .filter((key) => record[key] !== undefined && typeof record[key] !== 'function')
    .sort()
    .map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`);
  return `{${fields.join(',')}}`;
}

/** One argument as one key segment: ids and short words stay readable, objects become a stable hash. */
export function encodeKeyPart(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return '~u';
    case 'string':
      return READABLE_SEGMENT.test(value) ? value : `~${hash(JSON.stringify(value))}`;
    case 'object':
      return value === null ? '~n' : `#${hash(stableJson(value))}`;
    default:
      throw new TypeError(`Cannot derive a cache key from a ${typeof value} argument`);
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** Scope segment: shared entries, anonymous callers, or one user's entries. */
export function scopeSegment(userId: number | 'anonymous' | 'shared'): string {
  if (userId === 'shared') return '@all';
  if (userId === 'anonymous') return '@anon';
  return `@u${userId}`;
}

export function buildCacheKey(prefix: string, args: readonly unknown[], scope: string): string {
  let key = prefix;
  for (const arg of args) key += `:${encodeKeyPart(arg)}`;
  return `${key}:${scope}`;
}

/**
 * The pattern of every entry of a `@Cached({ keyPrefix: prefix })` method whose leading
 * arguments are `leadingArgs`, for every user: `cachePattern('mentor', 42)` → `mentor:42:*`.
 */
export function cachePattern(prefix: string, ...leadingArgs: unknown[]): string {
  return [prefix, ...leadingArgs.map((arg) => encodeKeyPart(arg)), '*'].join(':');
}
