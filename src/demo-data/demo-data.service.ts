import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { PasswordHasher } from '../auth/password.hasher.js';
import { Course } from '../courses/course.entity.js';
import { Mentor } from '../mentors/mentor.entity.js';
import { Review } from '../reviews/review.entity.js';
import { User } from '../users/user.entity.js';
import { generateDemoData, type DemoDataSize, type IdOffsets } from './demo-data.generator.js';

/** The password of every generated demo user (documented in the README; demo data is off by default in production). */
export const DEMO_PASSWORD = 'mentorhub-demo';
/** Rows per INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const CHUNK_ROWS = 1000;

export interface SeedResult {
  users: number;
  mentors: number;
  courses: number;
  reviews: number;
  durationMs: number;
}

@Injectable()
export class DemoDataService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
  ) {}

  async isEmpty(): Promise<boolean> {
    return (await this.dataSource.getRepository(Mentor).count()) === 0;
  }

  /** Appends a generated data set in one transaction with multi-row inserts. */
  async seed(size: DemoDataSize): Promise<SeedResult> {
    const started = performance.now();
    const passwordHash = await this.hasher.hash(DEMO_PASSWORD);
    const counts = { users: 0, mentors: 0, courses: 0, reviews: 0 };
    await this.dataSource.transaction(async (manager) => {
      const offsets = await this.currentMaxIds(manager);
      const pending = {
        users: [] as ObjectLiteral[],
        mentors: [] as ObjectLiteral[],
        courses: [] as ObjectLiteral[],
        reviews: [] as ObjectLiteral[],
      };
      const flush = async (force: boolean) => {
        // Parents before children, so foreign keys always point at inserted rows.
        const order: [keyof typeof pending, EntityTarget<ObjectLiteral>][] = [
          ['users', User],
          ['mentors', Mentor],
          ['courses', Course],
          ['reviews', Review],
        ];
        if (!force && order.every(([key]) => pending[key].length < CHUNK_ROWS)) return;
        for (const [key, entity] of order) {
          for (let i = 0; i < pending[key].length; i += CHUNK_ROWS) {
            await manager
              .createQueryBuilder()
              .insert()
              .into(entity)
              .values(pending[key].slice(i, i + CHUNK_ROWS))
              .updateEntity(false)
              .execute();
          }
          counts[key] += pending[key].length;
          pending[key] = [];
        }
      };
      for (const batch of generateDemoData(size, offsets, passwordHash)) {
        pending.users.push(...batch.users);
        if (batch.mentor) pending.mentors.push(batch.mentor);
        pending.courses.push(...batch.courses);
        pending.reviews.push(...batch.reviews);
        await flush(false);
      }
      await flush(true);
      await this.resetSequences(manager);
    });
    return { ...counts, durationMs: Math.round(performance.now() - started) };
  }

  private async currentMaxIds(manager: EntityManager): Promise<IdOffsets> {
    const max = async (entity: EntityTarget<ObjectLiteral>) => {
      const row = await manager.createQueryBuilder(entity, 't').select('MAX(t.id)', 'max').getRawOne<{ max: number | string | null }>();
      return Number(row?.max ?? 0);
    };
    return { user: await max(User), mentor: await max(Mentor), course: await max(Course), review: await max(Review) };
  }

  /** Explicit ids leave PostgreSQL's sequences behind; move them past the inserted rows. */
  private async resetSequences(manager: EntityManager): Promise<void> {
    if (this.dataSource.options.type !== 'postgres') return;
    for (const table of ['users', 'mentors', 'courses', 'reviews']) {
      await manager.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT MAX(id) FROM ${table}), 1))`);
    }
  }
}
