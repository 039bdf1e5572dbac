import { DataSource } from 'typeorm';
import { createTestApp } from './support/test-app.js';
import { createTestDatabase, ENGINES } from './support/test-database.js';

describe.each(ENGINES)('migrations (%s)', (engine) => {
  it('create the schema on an empty database at start and are a no-op on the next start', async () => {
    const database = await createTestDatabase(engine);
    try {
      const first = await createTestApp({ engine, database, env: { DEMO_DATA: 'false' } });
      const dataSource = first.app.get(DataSource);
      const applied: { name: string }[] = await dataSource.query('SELECT name FROM migrations ORDER BY id');
      expect(applied.map((m) => m.name)).toEqual(['InitialSchema1732406400000', 'CacheInvalidation1764633600000']);
      for (const table of ['users', 'mentors', 'courses', 'reviews', 'cache_invalidation']) {
        expect(await dataSource.createQueryRunner().hasTable(table)).toBe(true);
      }
      expect(await dataSource.query('SELECT COUNT(*) AS n FROM mentors')).toEqual([{ n: engine === 'postgres' ? '0' : 0 }]);
      await first.close();

      const second = await createTestApp({ engine, database, env: { DEMO_DATA: 'false' } });
      const again: unknown[] = await second.app.get(DataSource).query('SELECT name FROM migrations');
      expect(again).toHaveLength(2);
      await second.close();
    } finally {
      await database.drop();
    }
  });

  it('enforce the rating range in the database itself', async () => {
    const t = await createTestApp({ engine });
    try {
      await expect(
        t.app.get(DataSource).query("INSERT INTO reviews (mentor_id, author_id, rating, text) VALUES (1, 1, 9, 'x')"),
      ).rejects.toThrow(/CHK_reviews_rating|CHECK constraint failed/);
    } finally {
      await t.close();
    }
  });
});
