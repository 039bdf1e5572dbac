import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { createInterface } from 'node:readline/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../common/config/env.util.js';
import { CacheModule } from '../cache/cache.module.js';
import { CacheService } from '../cache/cache.service.js';
import { cacheConfig } from '../cache/config/cache.config.js';
import { databaseConfig } from '../database/database.config.js';
import { DatabaseModule } from '../database/database.module.js';
import { metricsConfig } from '../metrics/config/metrics.config.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { backupConfig } from './backup.config.js';
import { BackupCoreModule } from './backup-core.module.js';
import { BackupError } from './backup.errors.js';
import { parseBackupReference } from './backup.naming.js';
import { BackupService, type BackupProgress, type ProgressListener } from './backup.service.js';
import { BackupStatusService } from './backup-status.service.js';

/** What the CLI reads from the environment, validated before the context starts. */
const CLI_CONFIGURATION = [databaseConfig, backupConfig, metricsConfig, cacheConfig];

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [databaseConfig, backupConfig] }),
    MetricsModule.forRootAsync({ useFactory: metricsConfig }),
    DatabaseModule.forRoot({ entities: [] }),
    CacheModule.forRootAsync({ useFactory: cacheConfig }),
    BackupCoreModule,
  ],
})
class BackupCliModule {}

/** The CLI's Nest application context: configuration, database and backups, no HTTP server and no schedule. */
export async function createBackupCliContext(): Promise<INestApplicationContext> {
  for (const load of CLI_CONFIGURATION) load();
  return NestFactory.createApplicationContext(BackupCliModule, { logger: ['error', 'warn'], abortOnError: false });
}

export const USAGE = [
  'Usage: npm run backup -- <command>',
  '  create                      back up the database now (and upload it when S3 is configured)',
  '  list                        local and S3 backups, newest first',
  '  verify <name>               checksum and trial restore into scratch space',
  '  restore <name> [--yes]      restore over the current database (asks for confirmation without --yes)',
  '  prune [--days N] [--force]  delete backups past retention (below 7 days needs --force)',
  '  status                      last success, last failure, next scheduled run',
].join('\n');

/** Everything cached described the database before the restore; it must not be served again. */
async function clearCacheAfterRestore(cache: CacheService, io: CliIo): Promise<void> {
  const status = cache.status();
  if (!status.redisConfigured) return;
  const cleared = await cache.clear('*').catch(() => null);
  if (cleared === null || !status.redisHealthy) {
    io.err('Could not clear the Redis cache: clear it with DELETE /api/v1/admin/cache?pattern=* once Redis answers');
    return;
  }
  io.out(`Cleared ${cleared} cached entries`);
}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Whether a person can answer a confirmation (stdin is a terminal). */
  interactive: boolean;
  ask(question: string): Promise<string>;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Progress lines on stderr, at most one per second per stage, so long dumps and uploads show they are moving. */
function progressPrinter(io: CliIo): ProgressListener {
  let lastStage = '';
  let lastAt = 0;
  return (progress: BackupProgress) => {
    const now = Date.now();
    if (progress.stage === lastStage && now - lastAt < 1000) return;
    lastStage = progress.stage;
    lastAt = now;
    if (progress.stage === 'upload' && progress.total) {
      io.err(`upload: ${Math.floor(((progress.bytes ?? 0) / progress.total) * 100)}% of ${megabytes(progress.total)}`);
    } else if (progress.bytes !== undefined) {
      io.err(`${progress.stage}: ${megabytes(progress.bytes)} so far`);
    } else {
      io.err(`${progress.stage}…`);
    }
  };
}

class UsageError extends Error {}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' }, days: { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Runs one CLI command in a Nest application context (no HTTP server) and returns the exit code.
 * Names are validated before the application starts, so a bad name touches nothing.
 */
export async function runBackupCli(argv: string[], io: CliIo, createContext: () => Promise<INestApplicationContext>): Promise<number> {
  let context: INestApplicationContext | undefined;
  try {
    const { values, positionals } = parse(argv);
    const [command, name, ...extra] = positionals;
    const needsName = command === 'verify' || command === 'restore';
    if (
      !command ||
      !['create', 'list', 'verify', 'restore', 'prune', 'status'].includes(command) ||
      needsName !== (name !== undefined) ||
      extra.length
    ) {
      throw new UsageError(command ? `Unexpected arguments for "${command}"` : 'No command given');
    }
    const reference = needsName ? parseBackupReference(name) : undefined;
    let days: number | undefined;
    if (values.days !== undefined) {
      if (!/^\d+$/.test(values.days) || Number(values.days) < 1) throw new UsageError('--days must be a positive integer');
      days = Number(values.days);
    }

    context = await createContext();
    const backups = context.get(BackupService);
    const progress = progressPrinter(io);
    switch (command) {
      case 'create': {
        const result = await backups.createBackup({ trigger: 'manual', onProgress: progress });
        const { manifest } = result;
        io.out(`Created ${manifest.file} (${megabytes(manifest.sizeBytes)}, sha256 ${manifest.sha256}) in ${manifest.durationMs} ms`);
        if (result.s3 === 'uploaded') io.out(`Uploaded to ${manifest.s3?.key ?? 'S3'} (checked by ${manifest.s3?.checkedBy ?? 'size'})`);
        if (result.s3 === 'failed') {
          io.err(`Backup kept locally, but ${result.s3Error ?? 'the S3 upload failed'}`);
          return 1;
        }
        return 0;
      }
      case 'list': {
        const listing = await backups.list();
        if (listing.s3.error) io.err(listing.s3.error);
        if (listing.items.length === 0) io.out(`No backups in ${backups.directory}${listing.s3.enabled ? ' or S3' : ''}`);
        for (const item of listing.items) {
          const where = [item.local ? 'local' : '', item.s3 ? 's3' : ''].filter(Boolean).join('+');
          const verified = item.manifest?.verification ? (item.manifest.verification.ok ? 'verified' : 'VERIFY FAILED') : 'unverified';
          const size = item.sizeBytes === null ? '?' : megabytes(item.sizeBytes);
          io.out(`${item.file ?? item.name}  ${item.createdAt}  ${size}  ${where}  ${verified}${item.manifest ? '' : '  (no manifest)'}`);
        }
        return 0;
      }
      case 'verify': {
        const manifest = await backups.verifyBackup(reference!, progress);
        const counts = Object.entries(manifest.verification?.rowCounts ?? {}).map(([table, rows]) => `${table}=${rows}`);
        io.out(`Verified ${manifest.file}: checksum ok, trial restore ok (${counts.join(', ')})`);
        return 0;
      }
      case 'restore': {
        const database = await backups.databaseName();
        if (!values.yes) {
          if (!io.interactive) throw new BackupError('refused', 'Refusing to restore without --yes (stdin is not a terminal to confirm)');
          const answer = await io.ask(
            `Restore ${reference!} over the database "${database}"? Its current content is replaced. Type "yes" to continue: `,
          );
          if (answer.trim().toLowerCase() !== 'yes') {
            io.err('Restore cancelled; nothing was changed');
            return 1;
          }
        }
        const result = await backups.restoreBackup(reference!, progress);
        io.out(`Restored ${result.restored} into "${database}" (safety backup of the previous content: ${result.safetyBackup})`);
        await clearCacheAfterRestore(context.get(CacheService), io);
        return 0;
      }
      case 'prune': {
        const result = await backups.prune({ retentionDays: days, force: values.force });
        io.out(
          `Pruned ${result.deleted.length} backup(s) older than ${result.retentionDays} days${result.deleted.length ? `: ${result.deleted.join(', ')}` : ''}; kept ${result.kept.length}`,
        );
        if (result.s3Error) {
          io.err(result.s3Error);
          return 1;
        }
        return 0;
      }
      default: {
        io.out(JSON.stringify(context.get(BackupStatusService).getStatus(), null, 2));
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n${USAGE}`);
      return 2;
    }
    const message =
      error instanceof BackupError || error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
    io.err(`Backup ${argv[0] ?? ''} failed: ${message}`);
    return 1;
  } finally {
    await context?.close();
  }
}

async function main(): Promise<void> {
  const io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: process.stdin.isTTY === true,
    ask: async (question) => {
      const readline = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await readline.question(question);
      } finally {
        readline.close();
      }
    },
  };
  process.exit(await runBackupCli(process.argv.slice(2), io, createBackupCliContext));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
