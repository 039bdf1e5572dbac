import request from 'supertest';
import { DataSource } from 'typeorm';
import { Mentor } from '../src/mentors/mentor.entity.js';
import { User } from '../src/users/user.entity.js';
import { createTestApp, DEMO_PASSWORD, type TestApp } from './support/test-app.js';
import { ENGINES } from './support/test-database.js';

interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}
interface MentorBody {
  id: number;
  user_id: number;
  name: string;
  average_rating: number;
  review_count: number;
  hourly_rate: number;
  expertise: string[];
}

describe.each(ENGINES)('domain endpoints (%s)', (engine) => {
  let t: TestApp;
  let studentToken: string;
  let mentorToken: string;
  let ownMentorId: number;
  let adminToken: string;

  beforeAll(async () => {
    t = await createTestApp({ engine });
    studentToken = await t.tokenFor('student');
    adminToken = await t.adminToken();
    const dataSource = t.app.get(DataSource);
    const mentorUser = await dataSource.getRepository(User).findOneOrFail({ where: { role: 'mentor' }, order: { id: 'ASC' } });
    ownMentorId = (await dataSource.getRepository(Mentor).findOneByOrFail({ userId: mentorUser.id })).id;
    mentorToken = await t.login(mentorUser.email, DEMO_PASSWORD);
  });
  afterAll(() => t.close());

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  /** Tokens of students who have not reviewed this mentor yet (a student reviews a mentor once). */
  const studentsWithoutReviewOf = async (mentorId: number, count: number): Promise<string[]> => {
    const rows: { email: string }[] = await t.app
      .get(DataSource)
      .query(
        `SELECT email FROM users WHERE role = 'student' AND id NOT IN (SELECT author_id FROM reviews WHERE mentor_id = ${mentorId}) ORDER BY id LIMIT ${count}`,
      );
    expect(rows).toHaveLength(count);
    return Promise.all(rows.map(({ email }) => t.login(email, DEMO_PASSWORD)));
  };

  describe('demo data', () => {
    it('seeds an empty database with at least 50 mentors, 300 courses and 1,000 reviews', async () => {
      const dataSource = t.app.get(DataSource);
      const [mentors] = await dataSource.query('SELECT COUNT(*) AS n FROM mentors');
      const [courses] = await dataSource.query('SELECT COUNT(*) AS n FROM courses');
      const [reviews] = await dataSource.query('SELECT COUNT(*) AS n FROM reviews');
      expect(Number(mentors.n)).toBeGreaterThanOrEqual(50);
      expect(Number(courses.n)).toBeGreaterThanOrEqual(300);
      expect(Number(reviews.n)).toBeGreaterThanOrEqual(1000);
    });
  });

  describe('GET /api/v1/mentors', () => {
    it('paginates with defaults, sorted by id', async () => {
      const { body } = await request(t.http).get('/api/v1/mentors').expect(200);
      const page = body as Page<MentorBody>;
      expect(page).toMatchObject({ total: 50, page: 1, limit: 20 });
      expect(page.items).toHaveLength(20);
      const ids = page.items.map((m) => m.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(page.items[0]).toEqual(
        expect.objectContaining({ hourly_rate: expect.any(Number), average_rating: expect.any(Number), expertise: expect.any(Array) }),
      );
    });

    it('returns the last partial page and an empty page past the end', async () => {
      expect((await request(t.http).get('/api/v1/mentors?page=3&limit=20').expect(200)).body.items).toHaveLength(10);
      expect((await request(t.http).get('/api/v1/mentors?page=9&limit=20').expect(200)).body).toMatchObject({ items: [], total: 50 });
    });

    it('sorts by rating descending on request, with stable pages', async () => {
      const { body } = await request(t.http).get('/api/v1/mentors?sort=-rating&limit=100').expect(200);
      const ratings = (body as Page<MentorBody>).items.map((m) => m.average_rating);
      expect(ratings).toEqual([...ratings].sort((a, b) => b - a));
      const ids: number[] = [];
      for (let page = 1; page <= 5; page++) {
        const { body: pageBody } = await request(t.http).get(`/api/v1/mentors?sort=-rating&limit=10&page=${page}`).expect(200);
        ids.push(...(pageBody as Page<MentorBody>).items.map((m) => m.id));
      }
      expect(new Set(ids).size).toBe(50);
    });

    it.each([
      ['limit=10000', /limit must not be greater than 100/],
      ['limit=0', /limit must not be less than 1/],
      ['page=abc', /page must be an integer/],
      ['sort=drop+table', /sort must be one of/],
      ['unknown=1', /unknown is not an accepted field/],
    ])('answers 400 for %s', async (query, message) => {
      const { body } = await request(t.http).get(`/api/v1/mentors?${query}`).expect(400);
      expect(JSON.stringify(body.message)).toMatch(message);
    });
  });

  describe('GET /api/v1/mentors/:id', () => {
    it('returns one mentor', async () => {
      const { body } = await request(t.http).get('/api/v1/mentors/1').expect(200);
      expect(body).toMatchObject({ id: 1, name: expect.any(String) });
    });

    it('answers 404 for a missing mentor and 400 for a malformed id', async () => {
      expect((await request(t.http).get('/api/v1/mentors/999999').expect(404)).body.message).toBe('Mentor 999999 not found');
      await request(t.http).get('/api/v1/mentors/abc').expect(400);
      await request(t.http).get('/api/v1/mentors/-3').expect(400);
      await request(t.http).get('/api/v1/mentors/99999999999').expect(400);
    });
  });

  describe('PATCH /api/v1/mentors/:id', () => {
    it('needs a token (401) and the admin or the mentor themselves (403)', async () => {
      await request(t.http).patch(`/api/v1/mentors/${ownMentorId}`).send({ name: 'X' }).expect(401);
      await request(t.http).patch(`/api/v1/mentors/${ownMentorId}`).set(auth(studentToken)).send({ name: 'X' }).expect(403);
      const otherId = ownMentorId === 1 ? 2 : 1;
      await request(t.http).patch(`/api/v1/mentors/${otherId}`).set(auth(mentorToken)).send({ name: 'X' }).expect(403);
    });

    it('lets a mentor update their own profile and an admin any', async () => {
      const own = await request(t.http)
        .patch(`/api/v1/mentors/${ownMentorId}`)
        .set(auth(mentorToken))
        .send({ bio: 'Updated by myself', expertise: ['NestJS', 'Testing'] })
        .expect(200);
      expect(own.body).toMatchObject({ id: ownMentorId, bio: 'Updated by myself', expertise: ['NestJS', 'Testing'] });
      const byAdmin = await request(t.http).patch('/api/v1/mentors/3').set(auth(adminToken)).send({ hourly_rate: 123.45 }).expect(200);
      expect(byAdmin.body.hourly_rate).toBe(123.45);
      expect((await request(t.http).get('/api/v1/mentors/3').expect(200)).body.hourly_rate).toBe(123.45);
    });

    it.each([
      [{ role: 'admin' }, /role is not an accepted field/],
      [{ hourly_rate: -1 }, /hourly_rate must not be less than 0/],
      [{ hourly_rate: 'lots' }, /hourly_rate must be a number/],
      [{ expertise: ['a,b'] }, /without commas/],
      [{}, /Nothing to update/],
      [{ name: null }, /name must be a string/],
      [{ hourly_rate: null }, /hourly_rate must be a number/],
      [{ expertise: null }, /expertise must be an array/],
      [{ hourly_rate: '' }, /hourly_rate must be a number/],
      [{ hourly_rate: true }, /hourly_rate must be a number/],
      [{ bio: 'nul\u0000byte' }, /bio must not contain NUL characters/],
    ])('answers 400 for %j', async (changes, message) => {
      const { body } = await request(t.http).patch('/api/v1/mentors/3').set(auth(adminToken)).send(changes).expect(400);
      expect(JSON.stringify(body.message)).toMatch(message);
    });

    it('answers 404 for a missing mentor', async () => {
      await request(t.http).patch('/api/v1/mentors/999999').set(auth(adminToken)).send({ name: 'X' }).expect(404);
    });
  });

  describe('reviews of a mentor', () => {
    it('lists them newest first, paginated', async () => {
      const { body } = await request(t.http).get('/api/v1/mentors/2/reviews?limit=5').expect(200);
      expect(body).toMatchObject({ total: 20, page: 1, limit: 5 });
      const dates = (body as Page<{ created_at: string }>).items.map((r) => r.created_at);
      expect(dates).toEqual([...dates].sort().reverse());
      await request(t.http).get('/api/v1/mentors/999999/reviews').expect(404);
      await request(t.http).get('/api/v1/mentors/2/reviews?limit=101').expect(400);
    });

    it('lets a signed-in student post one and updates the rating', async () => {
      const [student] = await studentsWithoutReviewOf(4, 1);
      const before = (await request(t.http).get('/api/v1/mentors/4').expect(200)).body as MentorBody;
      const { body } = await request(t.http)
        .post('/api/v1/mentors/4/reviews')
        .set(auth(student))
        .send({ rating: 5, text: 'Excellent' })
        .expect(201);
      expect(body).toMatchObject({ mentor_id: 4, rating: 5, text: 'Excellent' });
      const after = (await request(t.http).get('/api/v1/mentors/4').expect(200)).body as MentorBody;
      expect(after.review_count).toBe(before.review_count + 1);
      const expected = (before.average_rating * before.review_count + 5) / (before.review_count + 1);
      expect(Math.abs(after.average_rating - expected)).toBeLessThanOrEqual(0.01);
    });

    it('refuses anonymous (401), non-students (403), bad ratings (400) and missing mentors (404)', async () => {
      const review = { rating: 4, text: 'Good' };
      await request(t.http).post('/api/v1/mentors/4/reviews').send(review).expect(401);
      await request(t.http).post('/api/v1/mentors/4/reviews').set(auth(mentorToken)).send(review).expect(403);
      for (const rating of [9, 0, 3.5, 'five', true, '4', null]) {
        await request(t.http).post('/api/v1/mentors/4/reviews').set(auth(studentToken)).send({ rating, text: 'x' }).expect(400);
      }
      await request(t.http).post('/api/v1/mentors/4/reviews').set(auth(studentToken)).send({ rating: 4 }).expect(400);
      await request(t.http).post('/api/v1/mentors/999999/reviews').set(auth(studentToken)).send(review).expect(404);
      await request(t.http).post('/api/v1/mentors/4/reviews').set(auth(studentToken)).send({ rating: 4, text: 'a\u0000b' }).expect(400);
    });

    it('answers 409 to a second review of the same mentor by the same student, even when both are sent at once', async () => {
      const [student] = await studentsWithoutReviewOf(3, 1);
      const before = (await request(t.http).get('/api/v1/mentors/3').expect(200)).body as MentorBody;
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          request(t.http).post('/api/v1/mentors/3/reviews').set(auth(student)).send({ rating: 4, text: 'Twice?' }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      const conflict = responses.find((r) => r.status === 409)!;
      expect(conflict.body).toMatchObject({ statusCode: 409, message: 'You have already reviewed mentor 3' });
      await request(t.http).post('/api/v1/mentors/3/reviews').set(auth(student)).send({ rating: 2, text: 'Again' }).expect(409);
      const after = (await request(t.http).get('/api/v1/mentors/3').expect(200)).body as MentorBody;
      expect(after.review_count).toBe(before.review_count + 1);
    });

    it('keeps the rating exact when many students post at once', async () => {
      const students = await studentsWithoutReviewOf(5, 20);
      const before = (await request(t.http).get('/api/v1/mentors/5').expect(200)).body as MentorBody;
      const ratings = Array.from({ length: 20 }, (_, i) => (i % 5) + 1);
      const responses = await Promise.all(
        ratings.map((rating, i) =>
          request(t.http)
            .post('/api/v1/mentors/5/reviews')
            .set(auth(students[i]))
            .send({ rating, text: `parallel ${rating}` }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(ratings.map(() => 201));
      const after = (await request(t.http).get('/api/v1/mentors/5').expect(200)).body as MentorBody;
      expect(after.review_count).toBe(before.review_count + 20);
      const [{ average }] = await t.app.get(DataSource).query('SELECT AVG(rating) AS average FROM reviews WHERE mentor_id = 5');
      expect(after.average_rating).toBeCloseTo(Number(average), 2);
    });
  });

  describe('courses', () => {
    it('searches title and description case-insensitively', async () => {
      const { body } = await request(t.http).get('/api/v1/courses/search?q=REDIS&limit=100').expect(200);
      const page = body as Page<{ title: string; description: string }>;
      expect(page.total).toBeGreaterThan(0);
      for (const course of page.items) expect(`${course.title} ${course.description}`.toLowerCase()).toContain('redis');
    });

    it('filters by level and paginates', async () => {
      const { body } = await request(t.http).get('/api/v1/courses/search?level=advanced&limit=7&page=2').expect(200);
      expect(body).toMatchObject({ page: 2, limit: 7 });
      expect((body as Page<{ level: string }>).items.every((c) => c.level === 'advanced')).toBe(true);
    });

    it('matches non-ASCII text in any case', async () => {
      await t.app
        .get(DataSource)
        .query(
          "INSERT INTO courses (mentor_id, title, description, level, price) VALUES (1, 'École de TypeScript', 'Cours complet', 'beginner', 10)",
        );
      const { body } = await request(t.http)
        .get(`/api/v1/courses/search?q=${encodeURIComponent('ÉCOLE')}`)
        .expect(200);
      expect((body as Page<{ title: string }>).items.map((c) => c.title)).toEqual(['École de TypeScript']);
      await request(t.http).get('/api/v1/courses/search?q=%00').expect(400);
    });

    it('treats LIKE wildcards in q as text', async () => {
      expect((await request(t.http).get('/api/v1/courses/search?q=%25').expect(200)).body.total).toBe(0);
      expect((await request(t.http).get('/api/v1/courses/search?q=_').expect(200)).body.total).toBe(0);
    });

    it('answers 400 for a bad level or an overlong q', async () => {
      await request(t.http).get('/api/v1/courses/search?level=expert').expect(400);
      await request(t.http)
        .get(`/api/v1/courses/search?q=${'a'.repeat(101)}`)
        .expect(400);
    });

    it('returns one course, 404 when missing, 400 when malformed', async () => {
      expect((await request(t.http).get('/api/v1/courses/1').expect(200)).body).toMatchObject({ id: 1, mentor_id: expect.any(Number) });
      await request(t.http).get('/api/v1/courses/999999').expect(404);
      await request(t.http).get('/api/v1/courses/0').expect(400);
    });
  });

  describe('tokens of users that changed', () => {
    it('are refused once the user is deleted (401) and follow a role change at once (403)', async () => {
      const dataSource = t.app.get(DataSource);
      const users = dataSource.getRepository(User);
      await users.insert({
        email: 'temp-admin@test.local',
        name: 'Temp',
        role: 'admin',
        passwordHash: (await users.findOneByOrFail({ role: 'student' })).passwordHash,
      });
      const token = await t.login('temp-admin@test.local', DEMO_PASSWORD);
      await request(t.http).patch('/api/v1/mentors/6').set(auth(token)).send({ name: 'Renamed' }).expect(200);
      await users.update({ email: 'temp-admin@test.local' }, { role: 'student' });
      await request(t.http).patch('/api/v1/mentors/6').set(auth(token)).send({ name: 'Again' }).expect(403);
      await users.delete({ email: 'temp-admin@test.local' });
      const gone = await request(t.http).get('/api/v1/users/me').set(auth(token)).expect(401);
      expect(gone.body.message).toBe('The user of this token no longer exists');
      await request(t.http).post('/api/v1/mentors/6/reviews').set(auth(token)).send({ rating: 5, text: 'ghost' }).expect(401);
    });
  });

  describe('GET /api/v1/users/me', () => {
    it('answers 401 without a token', async () => {
      await request(t.http).get('/api/v1/users/me').expect(401);
    });

    it('describes the signed-in user, without the password hash', async () => {
      const student = (await request(t.http).get('/api/v1/users/me').set(auth(studentToken)).expect(200)).body;
      expect(student).toMatchObject({ role: 'student', mentor_id: null });
      expect(JSON.stringify(student)).not.toMatch(/password|scrypt/);
      const mentor = (await request(t.http).get('/api/v1/users/me').set(auth(mentorToken)).expect(200)).body;
      expect(mentor).toMatchObject({ role: 'mentor', mentor_id: ownMentorId });
    });
  });
});
