import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { PasswordHasher } from '../auth/password.hasher.js';
import { ConfigError } from '../common/config/env.util.js';
import { databaseConfig } from '../database/database.config.js';
import { DatabaseModule } from '../database/database.module.js';
import { ENTITIES } from '../entities.js';
import { DEFAULT_DEMO_SIZE } from './demo-data.generator.js';
import { DEMO_PASSWORD, DemoDataService } from './demo-data.service.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [databaseConfig] }),
    DatabaseModule.forRoot({ entities: ENTITIES }),
  ],
  // The service only: the initializer that adds demo data at API start must not run here.
  providers: [DemoDataService, PasswordHasher],
})
class SeedModule {}

const USAGE = 'Usage: npm run seed -- [--mentors N] [--courses-per-mentor N] [--reviews-per-mentor N] [--students N]';

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`--${name} must be a non-negative integer, got "${raw}"\n${USAGE}`);
  return Number(raw);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mentors: { type: 'string' },
      'courses-per-mentor': { type: 'string' },
      'reviews-per-mentor': { type: 'string' },
      students: { type: 'string' },
    },
  });
  const mentors = positiveInt('mentors', values.mentors, DEFAULT_DEMO_SIZE.mentors);
  const size = {
    mentors,
    coursesPerMentor: positiveInt('courses-per-mentor', values['courses-per-mentor'], DEFAULT_DEMO_SIZE.coursesPerMentor),
    reviewsPerMentor: positiveInt('reviews-per-mentor', values['reviews-per-mentor'], DEFAULT_DEMO_SIZE.reviewsPerMentor),
    students: positiveInt('students', values.students, Math.max(DEFAULT_DEMO_SIZE.students, Math.ceil(mentors / 2))),
  };
  databaseConfig();
  const app = await NestFactory.createApplicationContext(SeedModule, { logger: ['error', 'warn'], abortOnError: false });
  try {
    const result = await app.get(DemoDataService).seed(size);
    process.stdout.write(
      `Seeded ${result.users} users, ${result.mentors} mentors, ${result.courses} courses, ${result.reviews} reviews in ${result.durationMs} ms ` +
        `(demo users sign in with the password "${DEMO_PASSWORD}")\n`,
    );
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
