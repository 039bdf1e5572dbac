import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { createInterface } from 'node:readline/promises';
import { pathToFileURL } from 'node:url';
import { CacheModule } from '../../cache/cache.module.js';
import { CacheService } from '../../cache/cache.service.js';
import { cacheConfig, redisConnectionOptions, type CacheConfig } from '../../cache/config/cache.config.js';
import { instanceId } from '../../common/config/env.util.js';
import { databaseConfig, type DatabaseConfig } from '../../database/database.config.js';
import { backupConfig } from '../config/backup.config.js';
import { BackupModule } from '../backup.module.js';
import type { BackupModuleOptions } from '../backup.options.js';
import { runBackupCli, type CliContext, type CliIo } from './backup-cli.commands.js';

/** What the CLI reads from the environment, validated before the context starts. */
const CLI_CONFIGURATION = [databaseConfig, backupConfig, cacheConfig];

/** The CLI's options: the app's database and Redis; no connection of its own to close for an SQLite restore. */
function cliBackupOptions(database: DatabaseConfig): BackupModuleOptions {
  const cache: CacheConfig = cacheConfig();
  return {
    database: database.connection,
    instanceId: instanceId(),
    redis: redisConnectionOptions(cache),
    reservedRedisPrefixes: [cache.namespace],
  };
}

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [databaseConfig] }),
    CacheModule.forRootAsync({ useFactory: cacheConfig }),
    BackupModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: cliBackupOptions,
      endpoints: false,
      schedule: false,
    }),
  ],
})
class BackupCliModule {}

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

/** The CLI's Nest application context: configuration, cache and backups, no HTTP server and no schedule. */
export async function createBackupCliContext(): Promise<CliContext> {
  for (const load of CLI_CONFIGURATION) load();
  const app = await NestFactory.createApplicationContext(BackupCliModule, { logger: ['error', 'warn'], abortOnError: false });
  return { app, afterRestore: (io) => clearCacheAfterRestore(app.get(CacheService), io) };
}

async function main(argv: string[]): Promise<number> {
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
  return runBackupCli(argv, io, createBackupCliContext);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
