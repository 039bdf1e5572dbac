import { readFileSync } from 'node:fs';
import base from './jest.config.js';

const { compilerOptions } = JSON.parse(readFileSync('tsconfig.json', 'utf8'));

/**
 * Jest for Stryker: the operations modules' unit specs only, without the e2e build (globalSetup)
 * and reporters, so every mutant runs in a second or two. The backup specs that boot the whole
 * backup module in a temporary folder (about a second per test) stay in `npm test`; here the
 * creator and the pruner are covered by their specs on fakes.
 */
export default {
  ...base,
  // Without decorator metadata, a class used only as a constructor parameter type is not imported:
  // a spec on fakes then loads what it tests, not the AWS SDK, TypeORM or ioredis behind it.
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { ...compilerOptions, emitDecoratorMetadata: false } }] },
  // Stryker runs each mutant with --findRelatedTests: relate specs to what they load at run time.
  dependencyExtractor: '<rootDir>/jest.mutation.dependencies.js',
  testMatch: ['<rootDir>/src/{metrics,backup,health,cache}/**/*.spec.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/src/backup/backup.service.spec.ts',
    '<rootDir>/src/backup/catalogue/backup-status.service.spec.ts',
    '<rootDir>/src/backup/retention/backup-pruner.service.spec.ts',
  ],
  roots: ['<rootDir>/src', '<rootDir>/test'],
  globalSetup: undefined,
  reporters: ['default'],
  // Every spec here takes well under a second: a mutant that makes one hang fails it after 4 s,
  // before Stryker's own timeout, which would also cost a restart of the test runner process.
  testTimeout: 4_000,
};
