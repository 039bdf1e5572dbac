import { MemoryCacheStore } from './memory-cache.store.js';

describe('MemoryCacheStore', () => {
  let now = 0;
  const clock = { now: () => now };
  beforeEach(() => {
    now = 1_000_000;
  });

  it('returns values until their TTL passes', () => {
    const store = new MemoryCacheStore(10, clock);
    store.set('k', '{"a":1}', 1000);
    now += 1000;
    expect(store.get('k')).toBe('{"a":1}');
    now += 1;
    expect(store.get('k')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('evicts the least recently used entry beyond its cap', () => {
    const store = new MemoryCacheStore(2, clock);
    store.set('a', '1', 60_000);
    store.set('b', '2', 60_000);
    store.get('a');
    store.set('c', '3', 60_000);
    expect(store.size).toBe(2);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBe('1');
    expect(store.get('c')).toBe('3');
  });

  it('clears exactly the keys matching a glob', () => {
    const store = new MemoryCacheStore(100, clock);
    for (const key of ['ns:mentor:42:@all', 'ns:mentor:142:@all', 'ns:mentor:420:@all', 'ns:mentors:#x:@all', 'other:mentor:42:@all']) {
      store.set(key, '1', 60_000);
    }
    expect(store.clear('ns:mentor:42:*')).toBe(1);
    expect(store.get('ns:mentor:142:@all')).toBe('1');
    expect(store.get('ns:mentor:420:@all')).toBe('1');
    expect(store.clear('ns:*')).toBe(3);
    expect(store.get('other:mentor:42:@all')).toBe('1');
  });
});
