import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { BackupEngine, DatabaseDescription, RestoreSession, TrialRestoreResult } from './backup.engine.js';
import { BackupError, errorMessage, type BackupStage } from '../backup.errors.js';
import type { BackupFileSystem, FileDigest } from '../storage/backup.filesystem.js';
import type { BackupFormat } from '../catalogue/backup.naming.js';
import { DigestStream } from './digest.stream.js';
import { checkPgDumpVersion } from './pg-version.js';
import { parsePgUrl, pgToolInvocation, type PgConnection } from './pg-connection.js';
import type { PostgresClient } from './postgres.client.js';
import type { ProcessRunner, RunResult } from './process.runner.js';

/** Every custom-format archive starts with these bytes; anything else is not a usable dump. */
const CUSTOM_FORMAT_MAGIC = Buffer.from('PGDMP');
const RESTORABLE_FORMATS: BackupFormat[] = ['pg-custom', 'pg-plain'];
/** A restore waits at most this long for a table lock held by the running app, then fails (and rolls back). */
const RESTORE_LOCK_TIMEOUT = '-c lock_timeout=60000';

/** Backups with pg_dump (custom format, compressed), restores with pg_restore or psql in one transaction. */
export class PostgresBackupEngine implements BackupEngine {
  readonly engine = 'postgres' as const;
  readonly format = 'pg-custom' as const;
  private readonly logger = new Logger(PostgresBackupEngine.name);
  private readonly connection: PgConnection;

  constructor(
    url: string,
    private readonly runner: ProcessRunner,
    private readonly files: BackupFileSystem,
    private readonly client: PostgresClient,
  ) {
    this.connection = parsePgUrl(url);
  }

  async describe(): Promise<DatabaseDescription> {
    const [serverVersion, toolVersion, latestMigration] = await Promise.all([
      this.client.serverVersion(this.connection),
      this.runner.output('pg_dump', ['--version']),
      this.client.latestMigration(this.connection),
    ]);
    return { database: this.connection.database, serverVersion, toolVersion, latestMigration };
  }

  async dump(destination: string, onProgress: (bytes: number) => void): Promise<FileDigest> {
    // A server that cannot be asked now is left to pg_dump, whose own error then says why.
    const [serverVersion, toolVersion] = await Promise.all([
      this.client.serverVersion(this.connection).catch(() => undefined),
      this.runner.output('pg_dump', ['--version']).catch((error: unknown) => {
        throw new BackupError('failed', `pg_dump could not run: ${errorMessage(error)}`, 'dump');
      }),
    ]);
    if (serverVersion) checkPgDumpVersion(toolVersion, serverVersion);
    const { args, env } = pgToolInvocation(this.connection);
    const digest = new DigestStream(onProgress);
    const output = this.files.createWriteStream(destination);
    const written = pipeline(digest, output);
    let result: RunResult;
    try {
      result = await this.runner.run('pg_dump', [...args, '--format=custom'], { env, stdout: digest });
      await written;
    } catch (error) {
      digest.destroy();
      await written.catch(() => undefined);
      throw new BackupError('failed', `pg_dump could not run: ${errorMessage(error)}`, 'dump');
    }
    this.check('pg_dump', result, 'dump');
    if (!digest.head.subarray(0, CUSTOM_FORMAT_MAGIC.length).equals(CUSTOM_FORMAT_MAGIC)) {
      throw new BackupError('failed', 'pg_dump produced no valid archive', 'dump');
    }
    return digest.digest();
  }

  async trialRestore(file: string, format: BackupFormat): Promise<TrialRestoreResult> {
    const scratch = `mentorhub_verify_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    await this.client.createDatabase(this.connection, scratch);
    try {
      await this.load(file, format, scratch, false, 'verify');
      return { integrity: 'restore ok', rowCounts: await this.client.rowCounts(this.connection, scratch) };
    } finally {
      await this.client.dropDatabase(this.connection, scratch).catch((error: unknown) => {
        this.logger.error(`Could not drop the scratch database ${scratch}: ${errorMessage(error)}`);
      });
    }
  }

  async prepareRestore(file: string, format: BackupFormat): Promise<RestoreSession> {
    if (!RESTORABLE_FORMATS.includes(format))
      throw new BackupError('refused', `A ${format} backup cannot be restored into PostgreSQL`, 'restore');
    return { commit: () => this.load(file, format, this.connection.database, true, 'restore'), end: async () => undefined };
  }

  /** One transaction: either everything is restored or nothing changed. */
  private async load(file: string, format: BackupFormat, database: string, clean: boolean, stage: BackupStage): Promise<void> {
    const { args, env } = pgToolInvocation(this.connection, database);
    const childEnv = { ...env, PGOPTIONS: RESTORE_LOCK_TIMEOUT };
    if (format === 'pg-plain') {
      const result = await this.runner.run('psql', [...args, '--quiet', '--single-transaction', '-v', 'ON_ERROR_STOP=1', '--file', file], {
        env: childEnv,
      });
      this.check('psql', result, stage);
      return;
    }
    if (format !== 'pg-custom') throw new BackupError('refused', `A ${format} backup cannot be restored into PostgreSQL`, stage);
    const options = ['--single-transaction', '--exit-on-error', '--no-owner', '--no-acl'];
    if (clean) options.push('--clean', '--if-exists');
    const result = await this.runner.run('pg_restore', [...args, ...options, file], { env: childEnv });
    this.check('pg_restore', result, stage);
  }

  private check(tool: string, result: RunResult, stage: BackupStage): void {
    if (result.exitCode === 0) {
      if (result.stderr) this.logger.warn(`${tool}: ${result.stderr}`);
      return;
    }
    const reason = result.stderr.split('\n').find((line) => line.trim() !== '') ?? `signal ${result.signal ?? 'unknown'}`;
    throw new BackupError('failed', `${tool} failed (exit code ${result.exitCode ?? 'none'}): ${reason}`, stage);
  }
}
