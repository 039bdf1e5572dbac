import { MemoryCacheStore } from './memory-cache.store.js';

describe('MemoryCacheStore', () => {
  let now = 0;
  const clock = { now: () => now };
  beforeEach(() => {
    now = 1_000_000;
  });

  it('returns values until their TTL passes', async () => {
    const store = new MemoryCacheStore(10, clock);
    await store.set('k', { a: 1 }, 1000);
    now += 1000;
    expect(await store.get('k')).toEqual({ a: 1 });
    now += 1;
    expect(await store.get('k')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('evicts the least recently used entry beyond its cap', async () => {
    const store = new MemoryCacheStore(2, clock);
    await store.set('a', 1, 60_000);
    await store.set('b', 2, 60_000);
    await store.get('a');
    await store.set('c', 3, 60_000);
    expect(store.size).toBe(2);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe(1);
    expect(await store.get('c')).toBe(3);
  });

  it('hands out copies with JSON semantics, like Redis', async () => {
    const store = new MemoryCacheStore(10, clock);
    const value = { at: new Date('2024-01-15T10:30:00.000Z'), list: [1] };
    await store.set('k', value, 60_000);
    const first = (await store.get('k')) as { at: string; list: number[] };
    expect(first).toEqual({ at: '2024-01-15T10:30:00.000Z', list: [1] });
    first.list.push(2);
    expect(await store.get('k')).toEqual({ at: '2024-01-15T10:30:00.000Z', list: [1] });
  });

  it('clears exactly the keys matching a glob', async () => {
    const store = new MemoryCacheStore(100, clock);
    for (const key of ['ns:mentor:42:@all', 'ns:mentor:142:@all', 'ns:mentor:420:@all', 'ns:mentors:#x:@all', 'other:mentor:42:@all']) {
      await store.set(key, 1, 60_000);
    }
    expect(await store.clear('ns:mentor:42:*')).toBe(1);
    expect(await store.get('ns:mentor:142:@all')).toBe(1);
    expect(await store.get('ns:mentor:420:@all')).toBe(1);
    expect(await store.clear('ns:*')).toBe(3);
    expect(await store.get('other:mentor:42:@all')).toBe(1);
  });
});
