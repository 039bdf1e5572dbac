import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { CacheInvalidationOutbox } from '../src/cache/invalidation/cache-invalidation.outbox.js';
import { CACHE_INVALIDATION_TABLE } from '../src/common/cache-invalidation/cache-invalidation.table.js';
import { TransactionRunner } from '../src/database/transaction.runner.js';
import { Review } from '../src/reviews/review.entity.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { ENGINES } from './support/test-database.js';

describe.each(ENGINES)('TransactionRunner (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ engine });
  });
  afterAll(() => t.close());

  it('keeps concurrent transactions apart: each commits or rolls back only its own writes', async () => {
    const transactions = t.app.get(TransactionRunner);
    const reviews = t.app.get(DataSource).getRepository(Review);
    const before = await reviews.countBy({ mentorId: 7 });
    // Real async I/O inside a transaction (a cache call, a remote check) yields to the event loop,
    // which is when another request's transaction can start on SQLite's one shared connection.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        transactions.run(async (manager) => {
          await manager.insert(Review, { mentorId: 7, authorId: 2, rating: 3, text: `concurrent ${i}` });
          await yieldToEventLoop();
          if (i === 3) throw new Error('this one rolls back');
        }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(outcomes.map((_, i) => (i === 3 ? 'rejected' : 'fulfilled')));
    expect(await reviews.countBy({ mentorId: 7 })).toBe(before + 7);
    expect(await reviews.countBy({ text: 'concurrent 3' })).toBe(0);
  });

  it("keeps an invalidation written while another request's transaction is open when that transaction rolls back", async () => {
    const dataSource = t.app.get(DataSource);
    let started!: () => void;
    let release!: () => void;
    const open = new Promise<void>((resolve) => (started = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const rolledBack = t.app.get(TransactionRunner).run(async (manager) => {
      await manager.insert(Review, { mentorId: 8, authorId: 2, rating: 1, text: 'rolled back' });
      started();
      await released;
      throw new Error('this one rolls back');
    });
    await open;
    // An admin's clear while Redis is unconfigured: the row stays pending until a drain.
    const invalidation = t.app.get(CacheInvalidationOutbox).invalidate(['rollback-neighbour:*']);
    release();
    await expect(rolledBack).rejects.toThrow('this one rolls back');
    expect(await invalidation).toMatchObject({ applied: false });
    const rows = await dataSource.query<{ pattern: string }[]>(`SELECT pattern FROM ${CACHE_INVALIDATION_TABLE}`);
    expect(rows.map((row) => row.pattern)).toContain('rollback-neighbour:*');
  });
});
