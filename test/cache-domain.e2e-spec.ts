import { Redis } from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CacheService } from '../src/cache/cache.service.js';
import { PaginationQueryDto } from '../src/common/dto/pagination.dto.js';
import { SearchCoursesQueryDto } from '../src/courses/course.dto.js';
import { CoursesService } from '../src/courses/courses.service.js';
import { DemoDataService } from '../src/demo-data/demo-data.service.js';
import { ListMentorsQueryDto } from '../src/mentors/mentor.dto.js';
import { MentorsService } from '../src/mentors/mentors.service.js';
import { ReviewsService } from '../src/reviews/reviews.service.js';
import { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { randomNamespace, SHARED_REDIS_URL } from './support/redis-server.js';
import { createTestApp, DEMO_PASSWORD, type TestApp } from './support/test-app.js';
import { ENGINES } from './support/test-database.js';

/** What the API sends for a value: its JSON form. */
const serialised = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe.each(ENGINES)('cached domain endpoints (%s)', (engine) => {
  const namespace = randomNamespace();
  let t: TestApp;
  let redis: Redis;
  let adminToken: string;
  let studentToken: string;
  let students: { id: number; token: string }[];

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const cachedKeys = async (pattern: string): Promise<string[]> => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', namespace + pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch.map((key) => key.slice(namespace.length)));
    } while (cursor !== '0');
    return keys.sort();
  };
  const get = async (path: string, token?: string) => {
    const call = request(t.http).get(path);
    if (token) void call.set(auth(token));
    return (await call.expect(200)).body as Record<string, unknown>;
  };

  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS_URL);
    t = await createTestApp({ engine, env: { REDIS_URL: SHARED_REDIS_URL, CACHE_NAMESPACE: namespace } });
    // Mentors up to id 430, so 42, 142 and 420 all exist.
    await t.app.get(DemoDataService).seed({ mentors: 380, coursesPerMentor: 0, reviewsPerMentor: 1, students: 0 });
    adminToken = await t.adminToken();
    const users = await t.app
      .get(DataSource)
      .getRepository(User)
      .find({ where: { role: 'student' }, order: { id: 'ASC' }, take: 2 });
    students = await Promise.all(users.map(async (user) => ({ id: user.id, token: await t.login(user.email, DEMO_PASSWORD) })));
    studentToken = students[0].token;
  });
  afterAll(async () => {
    await t.close();
    const leftovers = await cachedKeys('*');
    if (leftovers.length) await redis.unlink(...leftovers.map((key) => namespace + key));
    await redis.quit();
  });

  it('serves cached values equal to what the API returns uncached', async () => {
    const mentors = t.app.get(MentorsService);
    const courses = t.app.get(CoursesService);
    const reviews = t.app.get(ReviewsService);
    const users = t.app.get(UsersService);
    const listQuery = Object.assign(new ListMentorsQueryDto(), { page: 2, limit: 20, sort: '-rating' });
    const searchQuery = Object.assign(new SearchCoursesQueryDto(), { q: 'redis', page: 1, limit: 50 });
    const reviewsQuery = Object.assign(new PaginationQueryDto(), { page: 1, limit: 10 });
    // The prototype methods are the undecorated bodies: a straight database read.
    const cases: [string, string | undefined, () => Promise<unknown>][] = [
      ['/api/v1/mentors/42', undefined, () => MentorsService.prototype.findOne.call(mentors, 42)],
      ['/api/v1/mentors?page=2&limit=20&sort=-rating', undefined, () => MentorsService.prototype.list.call(mentors, listQuery)],
      ['/api/v1/courses/search?q=redis&limit=50', undefined, () => CoursesService.prototype.search.call(courses, searchQuery)],
      ['/api/v1/mentors/2/reviews?limit=10', undefined, () => ReviewsService.prototype.listForMentor.call(reviews, 2, reviewsQuery)],
      ['/api/v1/users/me', studentToken, () => UsersService.prototype.getProfile.call(users, students[0].id)],
    ];
    for (const [path, token, uncached] of cases) {
      const miss = await get(path, token);
      const hit = await get(path, token);
      const fromDatabase = serialised(await uncached());
      expect({ path, body: hit }).toEqual({ path, body: fromDatabase });
      expect(miss).toEqual(hit);
    }
    expect(await cachedKeys('*')).toEqual(
      expect.arrayContaining([
        'mentor:42:@all',
        expect.stringMatching(/^mentors:#[\w-]+:@all$/),
        expect.stringMatching(/^course-search:#[\w-]+:@all$/),
        expect.stringMatching(/^reviews:2:#[\w-]+:@all$/),
        `user-me:${students[0].id}:@u${students[0].id}`,
      ]),
    );
    expect(t.app.get(CacheService).metrics().hits).toBeGreaterThanOrEqual(cases.length);
  });

  it('keeps users/me per user', async () => {
    const [a, b] = students;
    expect((await get('/api/v1/users/me', a.token)).id).toBe(a.id);
    expect((await get('/api/v1/users/me', b.token)).id).toBe(b.id);
    expect((await get('/api/v1/users/me', a.token)).id).toBe(a.id);
    expect(await cachedKeys('user-me:*')).toEqual([`user-me:${a.id}:@u${a.id}`, `user-me:${b.id}:@u${b.id}`].sort());
  });

  it('invalidates mentor 42 and the lists on its update, not 142 or 420', async () => {
    for (const id of [42, 142, 420]) await get(`/api/v1/mentors/${id}`);
    await get('/api/v1/mentors');
    await request(t.http).patch('/api/v1/mentors/42').set(auth(adminToken)).send({ bio: 'Freshly updated' }).expect(200);
    expect(await cachedKeys('mentor:*')).toEqual(['mentor:142:@all', 'mentor:420:@all']);
    expect(await cachedKeys('mentors:*')).toEqual([]);
    expect((await get('/api/v1/mentors/42')).bio).toBe('Freshly updated');
  });

  it('invalidates mentor 42, its reviews and the lists on a new review, not 142 or 420', async () => {
    for (const id of [42, 142, 420]) {
      await get(`/api/v1/mentors/${id}`);
      await get(`/api/v1/mentors/${id}/reviews`);
    }
    await get('/api/v1/mentors?sort=-rating');
    const before = await get('/api/v1/mentors/42');
    await request(t.http).post('/api/v1/mentors/42/reviews').set(auth(studentToken)).send({ rating: 5, text: 'Cache-busting' }).expect(201);
    expect(await cachedKeys('mentor:*')).toEqual(['mentor:142:@all', 'mentor:420:@all']);
    const reviewKeys = await cachedKeys('reviews:*');
    expect(reviewKeys.filter((key) => key.startsWith('reviews:42:'))).toEqual([]);
    expect(reviewKeys).toEqual(
      expect.arrayContaining([expect.stringMatching(/^reviews:142:#[\w-]+:@all$/), expect.stringMatching(/^reviews:420:#[\w-]+:@all$/)]),
    );
    expect(await cachedKeys('mentors:*')).toEqual([]);
    expect((await get('/api/v1/mentors/42')).review_count).toBe((before.review_count as number) + 1);
    const latest = (await get('/api/v1/mentors/42/reviews')).items as { text: string }[];
    expect(latest[0].text).toBe('Cache-busting');
  });
});
