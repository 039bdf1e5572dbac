import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { eventually } from '../../../test/support/eventually.js';
import { runCommitHooks } from '../../common/transactions/commit-hooks.js';
import { MAX_PENDING_INVALIDATIONS } from '../cache.constants.js';
import type { CacheConfig } from '../config/cache.config.js';
import type { FailoverCacheStore, RecoveryHook } from '../stores/failover-cache.store.js';
import { CacheInvalidationOutbox } from './cache-invalidation.outbox.js';

/** The outbox on a real (in-memory SQLite) table, with a store that records what reaches it. */
describe('CacheInvalidationOutbox', () => {
  const namespace = 'ns:';
  let dataSource: DataSource;
  let outbox: CacheInvalidationOutbox;
  let fakeStore: FailoverCacheStore;
  let store: {
    activeStore: 'redis' | 'memory';
    needsRecovery: boolean;
    redisDown: boolean;
    appliedOnRedis: string[][];
    appliedInMemory: string[][];
    hook?: RecoveryHook;
  };

  const pendingPatterns = async () =>
    (await dataSource.query<{ pattern: string }[]>('SELECT pattern FROM cache_invalidation ORDER BY id')).map((row) => row.pattern);

  beforeEach(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await dataSource.initialize();
    await dataSource.query(
      'CREATE TABLE cache_invalidation (id INTEGER PRIMARY KEY AUTOINCREMENT, pattern varchar(256) NOT NULL, created_at bigint NOT NULL)',
    );
    store = { activeStore: 'redis', needsRecovery: false, redisDown: false, appliedOnRedis: [], appliedInMemory: [] };
    const redisApply = async (patterns: readonly string[]) => {
      if (store.redisDown) throw new Error('Redis is down');
      store.appliedOnRedis.push([...patterns]);
      return 0;
    };
    const fake = {
      get activeStore() {
        return store.activeStore;
      },
      get needsRecovery() {
        return store.needsRecovery;
      },
      setRecoveryHook: (hook: RecoveryHook) => (store.hook = hook),
      invalidateRedis: redisApply,
      invalidateMemory: (patterns: readonly string[]) => store.appliedInMemory.push([...patterns]),
      invalidate: async (patterns: readonly string[]) => {
        store.appliedInMemory.push([...patterns]);
        if (store.activeStore !== 'redis') return { deleted: 0, applied: false };
        return redisApply(patterns).then(
          () => ({ deleted: 0, applied: true }),
          () => ({ deleted: 0, applied: false }),
        );
      },
      recover: jest.fn(async () => undefined),
    };
    fakeStore = fake as unknown as FailoverCacheStore;
    outbox = new CacheInvalidationOutbox(fakeStore, { namespace, outboxPollMs: 1000 } as CacheConfig, dataSource);
  });
  afterEach(() => dataSource.destroy());

  it('applies an invalidation on Redis at once and deletes its row', async () => {
    await outbox.invalidate(['mentor:1:*']);
    expect(store.appliedOnRedis).toEqual([['ns:mentor:1:*']]);
    expect(await pendingPatterns()).toEqual([]);
  });

  it('keeps the row while Redis fails, and the next drain applies and deletes it', async () => {
    store.redisDown = true;
    await outbox.invalidate(['mentor:1:*']);
    expect(await pendingPatterns()).toEqual(['mentor:1:*']);
    expect(await outbox.drain()).toBe(false);
    expect(await pendingPatterns()).toEqual(['mentor:1:*']);
    store.redisDown = false;
    expect(await outbox.drain()).toBe(true);
    expect(store.appliedOnRedis).toEqual([['ns:mentor:1:*']]);
    expect(await pendingPatterns()).toEqual([]);
  });

  it('drains rows another replica wrote (and never applied), each pattern once', async () => {
    const now = Date.now();
    for (const pattern of ['mentor:7:*', 'mentor-list:*', 'mentor:7:*']) {
      await dataSource.query('INSERT INTO cache_invalidation (pattern, created_at) VALUES (?, ?)', [pattern, now]);
    }
    expect(await outbox.drain()).toBe(true);
    expect(store.appliedOnRedis).toEqual([['ns:mentor:7:*', 'ns:mentor-list:*']]);
    expect(await pendingPatterns()).toEqual([]);
  });

  it('clears the whole namespace instead when too many invalidations are pending', async () => {
    const now = Date.now();
    const values = Array.from({ length: MAX_PENDING_INVALIDATIONS + 1 }, (_, i) => `('mentor:${i}:*', ${now})`);
    await dataSource.query(`INSERT INTO cache_invalidation (pattern, created_at) VALUES ${values.join(', ')}`);
    expect(await outbox.drain()).toBe(true);
    expect(store.appliedOnRedis).toEqual([['ns:*']]);
    expect(await pendingPatterns()).toEqual([]);
  });

  it('applies exactly MAX_PENDING_INVALIDATIONS pending rows one by one, not as a clear of everything', async () => {
    const now = Date.now();
    const values = Array.from({ length: MAX_PENDING_INVALIDATIONS }, (_, i) => `('mentor:${i}:*', ${now})`);
    await dataSource.query(`INSERT INTO cache_invalidation (pattern, created_at) VALUES ${values.join(', ')}`);
    expect(await outbox.drain()).toBe(true);
    expect(store.appliedOnRedis).toHaveLength(1);
    expect(store.appliedOnRedis[0]).toHaveLength(MAX_PENDING_INVALIDATIONS);
    expect(store.appliedOnRedis[0]).not.toContain('ns:*');
    expect(await pendingPatterns()).toEqual([]);
  });

  it('sends nothing to Redis when nothing is pending', async () => {
    expect(await outbox.drain()).toBe(true);
    expect(store.appliedOnRedis).toEqual([]);
  });

  it('commits the rows of a write with its transaction, and none when it rolls back', async () => {
    store.redisDown = true;
    await outbox.around(['mentor:1:*'], () => dataSource.transaction((manager) => runCommitHooks(manager)));
    expect(await pendingPatterns()).toEqual(['mentor:1:*']);
    await expect(
      outbox.around(['mentor:2:*'], () =>
        dataSource.transaction(async (manager) => {
          await runCommitHooks(manager);
          throw new Error('the write failed');
        }),
      ),
    ).rejects.toThrow('the write failed');
    expect(await pendingPatterns()).toEqual(['mentor:1:*']);
  });

  it('while serving from memory, applies every new row to memory on each poll and reports what is pending', async () => {
    store.activeStore = 'memory';
    await dataSource.query('INSERT INTO cache_invalidation (pattern, created_at) VALUES (?, ?)', ['course:1:*', Date.now() - 3000]);
    await outbox.poll();
    await outbox.poll();
    expect(store.appliedInMemory).toEqual([['ns:course:1:*']]);
    const pending = outbox.pendingInvalidations();
    expect(pending.count).toBe(1);
    expect(pending.oldestAgeSeconds).toBeGreaterThanOrEqual(3);
  });

  it('ages the oldest pending row from when it was written, never below zero', async () => {
    const writtenAt = Date.now() - 60_000;
    await dataSource.query('INSERT INTO cache_invalidation (pattern, created_at) VALUES (?, ?)', ['course:1:*', writtenAt]);
    await dataSource.query('INSERT INTO cache_invalidation (pattern, created_at) VALUES (?, ?)', ['course:2:*', writtenAt + 5000]);
    store.activeStore = 'memory';
    await outbox.poll();
    expect(outbox.pendingInvalidations(writtenAt + 4500)).toEqual({ count: 2, oldestAgeSeconds: 4.5 });
    expect(outbox.pendingInvalidations(writtenAt - 1000)).toEqual({ count: 2, oldestAgeSeconds: 0 });
  });

  it('runs one poll at a time: a poll that starts while another runs does nothing', async () => {
    store.activeStore = 'memory';
    await dataSource.query('INSERT INTO cache_invalidation (pattern, created_at) VALUES (?, ?)', ['course:1:*', Date.now()]);
    await Promise.all([outbox.poll(), outbox.poll()]);
    expect(store.appliedInMemory).toEqual([['ns:course:1:*']]);
  });

  it('on each poll recovers when Redis answers again, else drains while Redis serves', async () => {
    store.redisDown = true;
    await outbox.invalidate(['mentor:1:*']);
    store.redisDown = false;
    store.needsRecovery = true;
    await outbox.poll();
    expect(await pendingPatterns()).toEqual(['mentor:1:*']);
    expect(outbox.pendingInvalidations().count).toBe(1);
    store.needsRecovery = false;
    await outbox.poll();
    expect(await pendingPatterns()).toEqual([]);
    expect(outbox.pendingInvalidations()).toEqual({ count: 0, oldestAgeSeconds: 0 });
  });

  it('asks the table for its summary once per poll, twice only after deleting drained rows', async () => {
    const query = jest.spyOn(dataSource.manager, 'query');
    const summaryQueriesOf = async (poll: () => Promise<void>) => {
      query.mockClear();
      await poll();
      return query.mock.calls.filter(([sql]) => sql.includes('COUNT(*)')).length;
    };
    expect(await summaryQueriesOf(() => outbox.poll())).toBe(1);
    await dataSource.query('INSERT INTO cache_invalidation (pattern, created_at) VALUES (?, ?)', ['course:1:*', Date.now()]);
    expect(await summaryQueriesOf(() => outbox.poll())).toBe(2);
    expect(outbox.pendingInvalidations().count).toBe(0);
    store.activeStore = 'memory';
    await dataSource.query('INSERT INTO cache_invalidation (pattern, created_at) VALUES (?, ?)', ['course:2:*', Date.now()]);
    expect(await summaryQueriesOf(() => outbox.poll())).toBe(1);
    expect(await summaryQueriesOf(() => outbox.poll())).toBe(1);
    expect(outbox.pendingInvalidations().count).toBe(1);
  });

  it('clears the whole namespace in memory when too many rows are new, and starts over after a restore', async () => {
    store.activeStore = 'memory';
    const now = Date.now();
    const values = Array.from({ length: MAX_PENDING_INVALIDATIONS + 1 }, (_, i) => `('mentor:${i}:*', ${now})`);
    await dataSource.query(`INSERT INTO cache_invalidation (pattern, created_at) VALUES ${values.join(', ')}`);
    await outbox.poll();
    expect(store.appliedInMemory).toEqual([['ns:*']]);
    await dataSource.query('DELETE FROM cache_invalidation');
    await dataSource.query("DELETE FROM sqlite_sequence WHERE name = 'cache_invalidation'");
    await dataSource.query('INSERT INTO cache_invalidation (pattern, created_at) VALUES (?, ?)', ['course:1:*', now]);
    await outbox.poll();
    expect(store.appliedInMemory).toEqual([['ns:*'], ['ns:course:1:*']]);
  });

  it('applies exactly MAX_PENDING_INVALIDATIONS new rows to memory one by one, not as a clear of everything', async () => {
    store.activeStore = 'memory';
    const now = Date.now();
    const values = Array.from({ length: MAX_PENDING_INVALIDATIONS }, (_, i) => `('mentor:${i}:*', ${now})`);
    await dataSource.query(`INSERT INTO cache_invalidation (pattern, created_at) VALUES ${values.join(', ')}`);
    await outbox.poll();
    expect(store.appliedInMemory).toHaveLength(1);
    expect(store.appliedInMemory[0]).toHaveLength(MAX_PENDING_INVALIDATIONS);
    expect(store.appliedInMemory[0]).not.toContain('ns:*');
  });

  it('keeps polling on a timer from module init until destroy', async () => {
    store.activeStore = 'memory';
    outbox = new CacheInvalidationOutbox(fakeStore, { namespace, outboxPollMs: 10 } as CacheConfig, dataSource);
    outbox.onModuleInit();
    try {
      await dataSource.query('INSERT INTO cache_invalidation (pattern, created_at) VALUES (?, ?)', ['course:1:*', Date.now()]);
      await eventually(() => expect(store.appliedInMemory).toEqual([['ns:course:1:*']]));
    } finally {
      outbox.onModuleDestroy();
    }
  });

  it('without a database applies invalidations to the store directly', async () => {
    outbox = new CacheInvalidationOutbox(fakeStore, { namespace } as CacheConfig);
    outbox.onModuleInit();
    expect(await outbox.invalidate(['a:*', 'a:*'])).toEqual({ deleted: 0, applied: true });
    expect(await outbox.around(['b:*'], async () => 'written')).toBe('written');
    expect(store.appliedOnRedis).toEqual([['ns:a:*'], ['ns:b:*']]);
    expect(await outbox.drain()).toBe(true);
    await outbox.poll();
    outbox.onModuleDestroy();
  });

  it('applies the rows of a write without a transaction before it resolves', async () => {
    expect(await outbox.around(['mentor:3:*'], async () => 'done')).toBe('done');
    expect(store.appliedOnRedis).toEqual([['ns:mentor:3:*']]);
    expect(await pendingPatterns()).toEqual([]);
  });

  it('is the store’s recovery hook', async () => {
    store.redisDown = true;
    await outbox.invalidate(['mentor:1:*']);
    store.redisDown = false;
    expect(await store.hook?.()).toBe(true);
    expect(await pendingPatterns()).toEqual([]);
  });
});
