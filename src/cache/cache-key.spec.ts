import {
  assertValidKey,
  assertValidPattern,
  assertValidPrefix,
  buildCacheKey,
  cachePattern,
  describeInvalidPattern,
  encodeKeyPart,
  globToRegExp,
  InvalidCachePatternError,
  scopeSegment,
} from './cache-key.js';

describe('cache keys', () => {
  it('gives every argument its own segment and ends with the scope', () => {
    expect(buildCacheKey('mentor', [42], scopeSegment('shared'))).toBe('mentor:42:@all');
    expect(buildCacheKey('user-me', [7], scopeSegment(7))).toBe('user-me:7:@u7');
    expect(buildCacheKey('feed', [], scopeSegment('anonymous'))).toBe('feed:@anon');
  });

  it('makes mentor 42 patterns match 42 only, never 142 or 420', () => {
    const matcher = globToRegExp(cachePattern('mentor', 42));
    expect(matcher.test(buildCacheKey('mentor', [42], '@all'))).toBe(true);
    expect(matcher.test(buildCacheKey('mentor', [42, { page: 2 }], '@u3'))).toBe(true);
    expect(matcher.test(buildCacheKey('mentor', [142], '@all'))).toBe(false);
    expect(matcher.test(buildCacheKey('mentor', [420], '@all'))).toBe(false);
    expect(matcher.test(buildCacheKey('mentors', [42], '@all'))).toBe(false);
  });

  it('encodes objects as a hash that ignores key order and undefined fields', () => {
    const a = encodeKeyPart({ page: 1, limit: 20, sort: 'id', q: undefined });
    expect(a).toMatch(/^#[A-Za-z0-9_-]{22}$/);
    expect(encodeKeyPart({ sort: 'id', limit: 20, page: 1 })).toBe(a);
    expect(encodeKeyPart({ sort: 'id', limit: 20, page: 2 })).not.toBe(a);
    expect(encodeKeyPart(new Date('2024-01-01T00:00:00Z'))).toBe(encodeKeyPart(new Date('2024-01-01T00:00:00Z')));
  });

  it('keeps short words readable and hashes anything that could break the layout', () => {
    expect(encodeKeyPart('redis')).toBe('redis');
    expect(encodeKeyPart('a:b*')).toMatch(/^~[A-Za-z0-9_-]{22}$/);
    expect(encodeKeyPart('')).toMatch(/^~/);
    expect(encodeKeyPart(undefined)).toBe('~u');
    expect(encodeKeyPart(null)).toBe('~n');
    expect(encodeKeyPart(true)).toBe('true');
    expect(() => encodeKeyPart(() => 1)).toThrow(TypeError);
    assertValidKey(buildCacheKey('course-search', ['weird key: *?[]', { q: 'x' }], '@all'));
  });

  it('applies the glob semantics of Redis SCAN MATCH for * and ?', () => {
    expect(globToRegExp('a*').test('a:b:c')).toBe(true);
    expect(globToRegExp('a?c').test('abc')).toBe(true);
    expect(globToRegExp('a?c').test('abbc')).toBe(false);
    expect(globToRegExp('a.c').test('abc')).toBe(false);
    expect(globToRegExp('mentor:4-2').test('mentor:4-2')).toBe(true);
  });

  it('refuses empty, overlong and out-of-alphabet patterns, keys and prefixes', () => {
    expect(describeInvalidPattern('mentor:42:*')).toBeUndefined();
    expect(describeInvalidPattern('')).toMatch(/empty/);
    expect(describeInvalidPattern('x'.repeat(201))).toMatch(/at most 200/);
    for (const bad of ['a[bc]', 'a\\*', 'a b', 'a/b', 'a\nb']) {
      expect(() => assertValidPattern(bad)).toThrow(InvalidCachePatternError);
    }
    expect(() => assertValidKey('mentor:*')).toThrow(InvalidCachePatternError);
    expect(() => assertValidPrefix('mentor:')).toThrow(InvalidCachePatternError);
    expect(() => assertValidPrefix('mentor:detail')).not.toThrow();
  });
});
