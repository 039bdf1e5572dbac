import { Body, Controller, Post } from '@nestjs/common';
import { IsString } from 'class-validator';
import request from 'supertest';
import { BODY_LIMIT_BYTES } from '../src/app.setup.js';
import { MAX_JSON_DEPTH } from '../src/common/json/json-depth.js';
import { DASHBOARD_CSP } from '../src/admin-dashboard/admin-dashboard.constants.js';
import { createTestApp, type TestApp } from './support/test-app.js';

class NameDto {
  @IsString()
  name!: string;
}

@Controller('edge-test')
class EdgeTestController {
  @Post('echo')
  echo(@Body() body: NameDto) {
    return body;
  }
}

/** A JSON body of exactly `bytes` bytes: `{"name":"xxx…"}`. */
const bodyOfSize = (bytes: number) => `{"name":"${'x'.repeat(bytes - '{"name":""}'.length)}"}`;

/** The edge of the API on Fastify: what it accepts and refuses before any handler, and the files it serves. */
describe('HTTP edge (sqlite)', () => {
  let t: TestApp;
  const echo = () => request(t.http).post('/api/v1/edge-test/echo').set('content-type', 'application/json');

  beforeAll(async () => {
    t = await createTestApp({ engine: 'sqlite', controllers: [EdgeTestController], env: { DEMO_DATA: 'false' } });
  });
  afterAll(() => t.close());

  it('accepts a JSON or form body up to 100 kB and refuses a larger one with 413 before parsing it', async () => {
    await echo().send(bodyOfSize(BODY_LIMIT_BYTES)).expect(201);
    const refused = await echo()
      .send(bodyOfSize(BODY_LIMIT_BYTES + 1))
      .expect(413);
    expect(refused.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'request entity too large' });
    // Not even valid JSON: the size alone decides.
    await echo()
      .send(`{${'x'.repeat(BODY_LIMIT_BYTES)}`)
      .expect(413);
    const form = await request(t.http)
      .post('/api/v1/edge-test/echo')
      .type('form')
      .send(`name=${'x'.repeat(BODY_LIMIT_BYTES)}`)
      .expect(413);
    expect(form.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'request entity too large' });
    expect((await request(t.http).post('/api/v1/edge-test/echo').type('form').send('name=Ada').expect(201)).body).toEqual({ name: 'Ada' });
  });

  it('answers malformed JSON, a JSON body that is not an object or array, and prototype keys with 400 naming the problem', async () => {
    const cases: [string, string][] = [
      ['{"name":', 'Unexpected end of JSON input'],
      ['not json', `Unexpected token 'n', "not json" is not valid JSON`],
      ['null', `Unexpected token 'n', "null" is not valid JSON`],
      [' 42', `Unexpected token '4', " 42" is not valid JSON`],
      ['   ', 'Unexpected end of JSON input'],
      ['{"__proto__":{"admin":true},"name":"x"}', 'Object contains forbidden prototype property'],
      ['{"constructor":{"prototype":{"admin":true}},"name":"x"}', 'Object contains forbidden prototype property'],
    ];
    for (const [body, message] of cases) {
      const response = await echo().send(body).expect(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
    }
  });

  it('answers 415 to a body that is neither JSON, a form nor plain text', async () => {
    const response = await request(t.http)
      .post('/api/v1/edge-test/echo')
      .set('content-type', 'application/xml')
      .send('<name>x</name>')
      .expect(415);
    expect(response.body).toEqual({ statusCode: 415, error: 'Unsupported Media Type', message: 'Unsupported Media Type' });
  });

  it('validates an empty JSON body as an empty object', async () => {
    const response = await echo().send('').expect(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'name must be a string' });
  });

  it('answers every validation problem in one message string', async () => {
    const response = await echo().send({ name: 1, extra: true }).expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'extra is not an accepted field; name must be a string',
    });
  });

  it('refuses JSON nested deeper than the limit with 400 before parsing or validating it, on any route', async () => {
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const refused = { statusCode: 400, error: 'Bad Request', message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
    for (const levels of [MAX_JSON_DEPTH + 1, 3_000, 45_000]) {
      expect((await echo().send(nested(levels)).expect(400)).body).toEqual(refused);
    }
    const login = await request(t.http).post('/api/v1/auth/login').set('content-type', 'application/json').send(nested(3_000)).expect(400);
    expect(login.body).toEqual(refused);
    const patch = await request(t.http).patch('/api/v1/mentors/1').set('content-type', 'application/json').send(nested(3_000)).expect(400);
    expect(patch.body).toEqual(refused);
    const objects = `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`;
    expect((await echo().send(objects).expect(400)).body).toEqual(refused);
    // At the limit it is ordinary input: validation answers it.
    const deepest = `{"name":${nested(MAX_JSON_DEPTH - 1)}}`;
    expect((await echo().send(deepest).expect(400)).body.message).toBe('name must be a string');
  });

  it('answers a path parameter longer than the router accepts with 414 in the error shape', async () => {
    const response = await request(t.http)
      .get(`/api/v1/mentors/${'1'.repeat(200)}`)
      .expect(414);
    expect(response.body).toEqual({ statusCode: 414, error: 'URI Too Long', message: expect.any(String) });
  });

  it('answers a path that does not decode with 400 in the API error shape, and unknown URLs anywhere with the JSON 404', async () => {
    const undecodable = await request(t.http).get('/api/v1/mentors/%zz').expect(400);
    expect(undecodable.body).toEqual({ statusCode: 400, error: 'Bad Request', message: "Failed to decode param '%zz'" });
    for (const path of ['/nope', '/api/v1/nope', '//api/v1/mentors/1']) {
      const response = await request(t.http).get(path).expect(404);
      expect(response.body).toEqual({ statusCode: 404, error: 'Not Found', message: `Cannot GET ${path}` });
    }
  });

  it('answers every request with its X-Request-Id: a valid incoming one kept, else a new UUID', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const answers = [
      await request(t.http).get('/api/v1/health/live').expect(200),
      await request(t.http).get('/api/v1/nope').expect(404),
      await request(t.http).get('/api/v1/mentors/%zz').expect(400),
      await request(t.http)
        .get(`/api/v1/mentors/${'1'.repeat(200)}`)
        .expect(414),
      await echo().send('{"name":').expect(400),
      await echo()
        .send(bodyOfSize(BODY_LIMIT_BYTES + 1))
        .expect(413),
      await request(t.http).post('/api/v1/edge-test/echo').set('content-type', 'application/xml').send('<a/>').expect(415),
      await request(t.http).get('/admin/dashboard').expect(200),
    ];
    for (const answer of answers) expect(answer.headers['x-request-id']).toMatch(uuid);
    expect(new Set(answers.map((answer) => answer.headers['x-request-id'])).size).toBe(answers.length);

    const kept = 'upstream-proxy:4f2a.9_B';
    expect((await request(t.http).get('/api/v1/nope').set('x-request-id', kept).expect(404)).headers['x-request-id']).toBe(kept);
    expect((await echo().set('x-request-id', kept).send('{').expect(400)).headers['x-request-id']).toBe(kept);
    for (const invalid of ['x'.repeat(129), 'two words', '<id>']) {
      const answer = await request(t.http).get('/api/v1/health/live').set('x-request-id', invalid).expect(200);
      expect(answer.headers['x-request-id']).toMatch(uuid);
    }
  });

  it('routes a URL with a trailing slash or in another letter case like the plain one', async () => {
    for (const path of ['/api/v1/health/live/', '/API/V1/Health/Live']) await request(t.http).get(path).expect(200);
  });

  it('sends no ETag on API answers, and no framework banner', async () => {
    const response = await request(t.http).get('/api/v1/health/live').expect(200);
    expect(response.headers.etag).toBeUndefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['cache-control']).toMatch(/\bno-store\b/);
  });
});

describe('CORS (sqlite)', () => {
  const preflight = (t: TestApp, origin: string) =>
    request(t.http).options('/api/v1/mentors').set('origin', origin).set('access-control-request-method', 'GET');

  it('answers no browser origin by default', async () => {
    const t = await createTestApp({ engine: 'sqlite', env: { DEMO_DATA: 'false' } });
    try {
      const response = await request(t.http).get('/api/v1/mentors').set('origin', 'https://app.example.com').expect(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect((await preflight(t, 'https://app.example.com')).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('allows the origins of CORS_ORIGINS, and no other', async () => {
    const t = await createTestApp({
      engine: 'sqlite',
      env: { DEMO_DATA: 'false', CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' },
    });
    try {
      for (const origin of ['https://app.example.com', 'http://localhost:3000']) {
        const allowed = await preflight(t, origin).expect(204);
        expect(allowed.headers['access-control-allow-origin']).toBe(origin);
        expect(allowed.headers['access-control-allow-methods']).toContain('GET');
        const response = await request(t.http).get('/api/v1/mentors').set('origin', origin).expect(200);
        expect(response.headers['access-control-allow-origin']).toBe(origin);
      }
      for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.example', 'http://app.example.com']) {
        expect((await preflight(t, origin)).headers['access-control-allow-origin']).toBeUndefined();
        const response = await request(t.http).get('/api/v1/mentors').set('origin', origin).expect(200);
        expect(response.headers['access-control-allow-origin']).toBeUndefined();
      }
    } finally {
      await t.close();
    }
  });
});

describe('dashboard page files (sqlite)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ engine: 'sqlite', env: { DEMO_DATA: 'false' } });
  });
  afterAll(() => t.close());

  it('serves the page and its files with their type, the page headers and revalidation', async () => {
    const files: [string, RegExp][] = [
      ['/admin/dashboard', /^text\/html; charset=utf-8$/],
      ['/admin/dashboard/dashboard.css', /^text\/css; charset=utf-8$/],
      ['/admin/dashboard/dashboard.js', /^(application|text)\/javascript; charset=utf-8$/],
      ['/admin/dashboard/vendor/chart.umd.js', /^(application|text)\/javascript; charset=utf-8$/],
    ];
    for (const [path, type] of files) {
      const response = await request(t.http).get(path).expect(200);
      expect(response.headers['content-type']).toMatch(type);
      expect(response.headers).toMatchObject({
        'content-security-policy': DASHBOARD_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
        'cache-control': 'no-cache',
      });
      const etag = response.headers.etag;
      expect(etag).toBeTruthy();
      await request(t.http).get(path).set('if-none-match', etag).expect(304);
    }
    expect((await request(t.http).get('/admin/dashboard').expect(200)).text).toContain(
      '<script src="/admin/dashboard/vendor/chart.umd.js"',
    );
  });

  it('serves nothing else from the page folder or from Chart.js, and no path outside them', async () => {
    for (const path of [
      '/admin/dashboard/nope.js',
      '/admin/dashboard/vendor/chart.js',
      '/admin/dashboard/vendor/helpers.js',
      '/admin/dashboard/vendor/../../../package.json',
      '/admin/dashboard/..%2f..%2fpackage.json',
      '/admin/dashboard/vendor/..%2f..%2f..%2fpackage.json',
    ]) {
      const response = await request(t.http).get(path);
      expect([400, 403, 404]).toContain(response.status);
      expect(response.text).not.toContain('"name": "mentorhub-api"');
    }
  });
});
