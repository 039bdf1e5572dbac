/**
 * Mutation testing of the operations modules' core logic (`npm run test:mutation`): controllers,
 * Nest modules, DTOs and config plumbing are left out, and so is what only the e2e suites reach.
 * Reports land in reports/mutation/.
 */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.js' },
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning'],
  checkers: [],
  // Log lines are not tested (see stryker.logger-ignorer.js): their mutants are reported as ignored.
  plugins: ['@stryker-mutator/*', './stryker.logger-ignorer.js'],
  ignorers: ['logger-calls'],
  coverageAnalysis: 'perTest',
  // Three runners on two cores: each spends much of a mutant's run loading modules and waiting on
  // Redis or SQLite, and three finished the same mutants about a third sooner than two (README).
  concurrency: 3,
  // Added to each mutant's expected time: a mutant that hangs costs seconds, not ten.
  timeoutMS: 5_000,
  mutate: [
    'src/metrics/http/http-duration.histogram.ts',
    'src/cache/cache.service.ts',
    'src/cache/invalidation/cache-invalidation.outbox.ts',
    'src/cache/stores/failover-cache.store.ts',
    'src/cache/stores/memory-cache.store.ts',
    'src/cache/stores/redis-cache.store.ts',
    'src/cache/stores/redis-health.judge.ts',
    'src/backup/retention/backup.retention.ts',
    'src/backup/retention/backup-pruner.service.ts',
    'src/backup/create/backup-creator.service.ts',
    'src/health/report/health-report.service.ts',
    'src/health/indicators/system.health.ts',
  ],
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
