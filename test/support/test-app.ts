import type { LoggerService, LogLevel, Provider, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { App } from 'supertest/types.js';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createHttpAdapter } from '../../src/app.setup.js';
import { DEMO_PASSWORD } from '../../src/demo-data/demo-data.service.js';
import { User } from '../../src/users/user.entity.js';
import { createTestDatabase, type Engine, type TestDatabase } from './test-database.js';

export const TEST_ADMIN = { email: 'admin@test.local', password: 'admin-password-for-tests' };
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';
export { DEMO_PASSWORD } from '../../src/demo-data/demo-data.service.js';

export interface TestAppOptions {
  engine: Engine;
  /** Extra environment for this app only (restored once the app is built). */
  env?: Record<string, string | undefined>;
  /** Test-only controllers mounted beside the real ones. */
  controllers?: Type[];
  /** Test-only providers registered beside the real ones. */
  providers?: Provider[];
  /** Nest logger; silent unless a test wants to see or capture logs. */
  logger?: LoggerService | LogLevel[] | false;
  /** Proxy hops to trust for the client address (TRUST_PROXY_HOPS). */
  trustProxyHops?: number;
  /** Reuse a database (e.g. to restart the app on the same data); created and dropped otherwise. */
  database?: TestDatabase;
  /** Providers replaced for this app (e.g. a wrapper that injects a failure into one step). */
  overrides?: { provide: unknown; useValue: unknown }[];
}

export interface TestApp {
  app: NestFastifyApplication;
  http: App;
  database: TestDatabase;
  login(email: string, password: string): Promise<string>;
  adminToken(): Promise<string>;
  /** A token of a demo user with this role (the first one in id order). */
  tokenFor(role: 'mentor' | 'student'): Promise<string>;
  close(): Promise<void>;
}

export async function withEnv<T>(env: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    return await run();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Boots the real AppModule over HTTP (supertest) against a fresh database of the given engine. */
export async function createTestApp(options: TestAppOptions): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase(options.engine));
  const ownsDatabase = !options.database;
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    LOG_TO_FILE: 'false',
    DEMO_DATA: 'true',
    // Tests sign in far more often than a person; the limit itself has its own test.
    LOGIN_RATE_LIMIT: '100000',
    REDIS_URL: undefined,
    ...options.env,
  };
  const app = await withEnv(env, async () => {
    const builder = Test.createTestingModule({
      imports: [AppModule],
      controllers: options.controllers ?? [],
      providers: options.providers ?? [],
    });
    for (const override of options.overrides ?? []) builder.overrideProvider(override.provide).useValue(override.useValue);
    const moduleRef = await builder.compile();
    const nestApp = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter({ trustProxyHops: options.trustProxyHops }), {
      logger: options.logger ?? false,
    });
    configureApp(nestApp, { swagger: false });
    await nestApp.init();
    // Fastify adds the routes once its plugins have loaded: supertest's requests need them all.
    await nestApp.getHttpAdapter().getInstance().ready();
    return nestApp;
  }).catch(async (error: unknown) => {
    // A start that fails (bad config under test, a broken module) must not leave its database behind.
    if (ownsDatabase) await database.drop();
    throw error;
  });
  const http = app.getHttpServer() as App;

  const login = async (email: string, password: string) => {
    const response = await request(http).post('/api/v1/auth/login').send({ email, password }).expect(200);
    return (response.body as { access_token: string }).access_token;
  };
  const tokenFor = async (role: 'mentor' | 'student') => {
    const user = await app
      .get(DataSource)
      .getRepository(User)
      .findOne({ where: { role }, order: { id: 'ASC' } });
    if (!user) throw new Error(`No demo ${role} in the test database`);
    return login(user.email, DEMO_PASSWORD);
  };

  return {
    app,
    http,
    database,
    login,
    adminToken: () => login(TEST_ADMIN.email, TEST_ADMIN.password),
    tokenFor,
    close: async () => {
      await app.close();
      if (ownsDatabase) await database.drop();
    },
  };
}
