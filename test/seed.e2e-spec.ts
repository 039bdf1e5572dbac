import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp } from './support/test-app.js';
import { createTestDatabase, ENGINES } from './support/test-database.js';

const run = promisify(execFile);
const SEED_CLI = join(import.meta.dirname, '..', 'dist', 'demo-data', 'seed.cli.js');

describe.each(ENGINES)('the seed command (%s)', (engine) => {
  it('appends a large data set with bulk inserts, after which the app keeps inserting rows', async () => {
    const database = await createTestDatabase(engine);
    try {
      const t = await createTestApp({ engine, database, env: { DEMO_DATA: 'false' } });
      await t.close();

      const env = { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, LOG_TO_FILE: 'false' };
      const { stdout } = await run(process.execPath, [SEED_CLI, '--mentors', '400', '--students', '150'], { env });
      expect(stdout).toMatch(/^Seeded 550 users, 400 mentors, 2400 courses, 8000 reviews in \d+ ms/);
      await run(process.execPath, [SEED_CLI, '--mentors', '10'], { env });

      const app = await createTestApp({ engine, database, env: { DEMO_DATA: 'false' } });
      const [counts] = await app.app
        .get(DataSource)
        .query('SELECT (SELECT COUNT(*) FROM mentors) AS mentors, (SELECT COUNT(*) FROM reviews) AS reviews');
      expect(Number(counts.mentors)).toBe(410);
      expect(Number(counts.reviews)).toBe(8200);
      // Sequences must have moved past the explicit ids, or this insert would collide.
      await request(app.http)
        .post('/api/v1/mentors/1/reviews')
        .set('authorization', `Bearer ${await app.tokenFor('student')}`)
        .send({ rating: 4, text: 'after the seed' })
        .expect(201);
      await app.close();
    } finally {
      await database.drop();
    }
  });

  it('refuses a bad option with a usage line', async () => {
    await expect(run(process.execPath, [SEED_CLI, '--mentors', 'many'], { env: { PATH: process.env.PATH ?? '' } })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--mentors must be a non-negative integer, got "many"\nUsage: npm run seed/),
    });
  });
});
