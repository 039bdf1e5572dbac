import { Controller, Get } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import request from 'supertest';
import { AdminOnly } from '../src/common/access/access.decorators.js';
import { createTestApp, TEST_ADMIN, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';
import { createTestDatabase, ENGINES } from './support/test-database.js';

@Controller('test-admin')
class AdminProbeController {
  @Get()
  @AdminOnly()
  ping() {
    return { ok: true };
  }

  @Get('boom')
  explode(): never {
    throw new Error('database password is hunter2');
  }
}

describe.each(ENGINES)('auth (%s)', (engine) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ engine, controllers: [AdminProbeController] });
  });
  afterAll(() => t.close());

  describe('POST /api/v1/auth/login', () => {
    it('returns an HS256 bearer token carrying the id and role for the right password', async () => {
      const response = await request(t.http).post('/api/v1/auth/login').send(TEST_ADMIN).expect(200);
      expect(response.body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
      const [header, payload] = (response.body.access_token as string)
        .split('.')
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      expect(header.alg).toBe('HS256');
      expect(payload).toMatchObject({ role: 'admin', sub: expect.any(Number) });
      expect(payload.exp - payload.iat).toBe(3600);
    });

    it('answers 401 for a wrong password and for an unknown email, with the same message', async () => {
      const wrong = await request(t.http)
        .post('/api/v1/auth/login')
        .send({ ...TEST_ADMIN, password: 'nope-nope' })
        .expect(401);
      const unknown = await request(t.http)
        .post('/api/v1/auth/login')
        .send({ email: 'ghost@test.local', password: 'whatever' })
        .expect(401);
      expect(wrong.body.message).toBe('Invalid email or password');
      expect(unknown.body.message).toBe(wrong.body.message);
    });

    it('accepts the email in any case', async () => {
      await request(t.http)
        .post('/api/v1/auth/login')
        .send({ ...TEST_ADMIN, email: TEST_ADMIN.email.toUpperCase() })
        .expect(200);
    });

    it('answers 400 for missing or malformed credentials and malformed JSON', async () => {
      await request(t.http).post('/api/v1/auth/login').send({ email: 'not-an-email', password: 'x' }).expect(400);
      await request(t.http).post('/api/v1/auth/login').send({}).expect(400);
      await request(t.http).post('/api/v1/auth/login').set('content-type', 'application/json').send('{"email":').expect(400);
    });

    it('stores passwords hashed, never in plain text', async () => {
      const { DataSource } = await import('typeorm');
      const rows: { password_hash: string }[] = await t.app
        .get(DataSource)
        .query(`SELECT password_hash FROM users WHERE email = '${TEST_ADMIN.email}'`);
      expect(rows[0].password_hash).toMatch(/^scrypt\$/);
      expect(rows[0].password_hash).not.toContain(TEST_ADMIN.password);
    });
  });

  describe('an @AdminOnly() route', () => {
    const forge = (payload: object, secret = TEST_JWT_SECRET, expiresIn = 3600) =>
      new JwtService({ secret, signOptions: { algorithm: 'HS256', expiresIn } }).sign(payload);

    it('answers 401 without a token, with a malformed one, a forged one, an expired one or alg=none', async () => {
      await request(t.http).get('/api/v1/test-admin').expect(401);
      await request(t.http).get('/api/v1/test-admin').set('authorization', 'Bearer not.a.jwt').expect(401);
      await request(t.http).get('/api/v1/test-admin').set('authorization', 'Basic YWRtaW46YWRtaW4=').expect(401);
      const forged = forge({ sub: 1, role: 'admin' }, 'someone-elses-secret-of-sufficient-length');
      await request(t.http).get('/api/v1/test-admin').set('authorization', `Bearer ${forged}`).expect(401);
      const expired = forge({ sub: 1, role: 'admin', iat: Math.floor(Date.now() / 1000) - 7200 }, TEST_JWT_SECRET, 60);
      await request(t.http).get('/api/v1/test-admin').set('authorization', `Bearer ${expired}`).expect(401);
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":1,"role":"admin"}').toString('base64url')}.`;
      await request(t.http).get('/api/v1/test-admin').set('authorization', `Bearer ${unsigned}`).expect(401);
      const badRole = forge({ sub: 1, role: 'superuser' });
      await request(t.http).get('/api/v1/test-admin').set('authorization', `Bearer ${badRole}`).expect(401);
    });

    it('answers 403 for valid non-admin tokens and 200 for an admin', async () => {
      for (const role of ['student', 'mentor'] as const) {
        const response = await request(t.http)
          .get('/api/v1/test-admin')
          .set('authorization', `Bearer ${await t.tokenFor(role)}`)
          .expect(403);
        expect(response.body.message).toBe('This endpoint requires the admin role');
      }
      await request(t.http)
        .get('/api/v1/test-admin')
        .set('authorization', `Bearer ${await t.adminToken()}`)
        .expect(200, { ok: true });
    });
  });

  it('turns an unexpected error into a 500 that leaks nothing', async () => {
    const response = await request(t.http).get('/api/v1/test-admin/boom').expect(500);
    expect(response.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'An unexpected error occurred' });
    expect(JSON.stringify(response.body)).not.toContain('hunter2');
  });

  it('answers 404 for unknown routes', async () => {
    await request(t.http).get('/api/v1/nothing-here').expect(404);
  });
});

describe('login rate limit', () => {
  it('answers 429 past LOGIN_RATE_LIMIT attempts a minute, right or wrong', async () => {
    const t = await createTestApp({ engine: 'sqlite', env: { LOGIN_RATE_LIMIT: '3', DEMO_DATA: 'false' } });
    try {
      await request(t.http)
        .post('/api/v1/auth/login')
        .send({ ...TEST_ADMIN, password: 'wrong-one' })
        .expect(401);
      await request(t.http)
        .post('/api/v1/auth/login')
        .send({ ...TEST_ADMIN, password: 'wrong-two' })
        .expect(401);
      await request(t.http).post('/api/v1/auth/login').send(TEST_ADMIN).expect(200);
      const limited = await request(t.http).post('/api/v1/auth/login').send(TEST_ADMIN).expect(429);
      expect(limited.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(limited.body).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'Too many login attempts from this address; try again later',
      });
      await request(t.http).get('/api/v1/mentors').expect(200);
    } finally {
      await t.close();
    }
  });

  it('keys the limit by the forwarded client address when proxies are trusted', async () => {
    const t = await createTestApp({ engine: 'sqlite', trustProxyHops: 1, env: { LOGIN_RATE_LIMIT: '1', DEMO_DATA: 'false' } });
    try {
      const login = (client: string) => request(t.http).post('/api/v1/auth/login').set('x-forwarded-for', client).send(TEST_ADMIN);
      await login('198.51.100.1').expect(200);
      await login('198.51.100.2').expect(200);
      await login('198.51.100.1').expect(429);
    } finally {
      await t.close();
    }
  });
});

describe('without JWT_SECRET outside production', () => {
  /** The development secret earlier versions had in their source. */
  const FORMER_SOURCE_SECRET = 'mentorhub-dev-only-secret-do-not-use-in-production';

  it('signs with a random secret kept beside the database, so tokens survive a restart and no secret from the source is accepted', async () => {
    const database = await createTestDatabase('sqlite');
    const start = () =>
      createTestApp({
        engine: 'sqlite',
        database,
        controllers: [AdminProbeController],
        env: { JWT_SECRET: undefined, DEMO_DATA: 'false' },
      });
    try {
      let t = await start();
      const token = await t.adminToken();
      const { sub } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: number };
      await t.close();
      const secretFile = join(dirname(database.location), 'jwt-secret');
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);

      t = await start();
      try {
        await request(t.http).get('/api/v1/test-admin').set('authorization', `Bearer ${token}`).expect(200);
        const forged = new JwtService({ secret: FORMER_SOURCE_SECRET }).sign({ sub, role: 'admin' });
        await request(t.http).get('/api/v1/test-admin').set('authorization', `Bearer ${forged}`).expect(401);
        const kept = (await readFile(secretFile, 'utf8')).trim();
        const signedWithKept = new JwtService({ secret: kept }).sign({ sub, role: 'admin' });
        await request(t.http).get('/api/v1/test-admin').set('authorization', `Bearer ${signedWithKept}`).expect(200);
      } finally {
        await t.close();
      }
    } finally {
      await database.drop();
    }
  });
});
