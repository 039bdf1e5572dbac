import type { INestApplicationContext } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { BackupError, errorMessage } from '../backup.errors.js';
import type { BackupProgress, ProgressListener } from '../backup.progress.js';
import { BackupService } from '../backup.service.js';
import type { BackupListItem } from '../catalogue/backup-catalogue.service.js';
import { parseBackupReference } from '../catalogue/backup.naming.js';

export const USAGE = [
  'Usage: npm run backup -- <command>',
  '  create                      back up the database now (and upload it when S3 is configured)',
  "  list                        this database's backups (in S3 when configured, else in BACKUP_DIR), newest first",
  '  verify <name>               checksum and trial restore into scratch space',
  '  restore <name> [--yes] [--other-database]',
  '                              restore over the current database (asks for confirmation without --yes;',
  '                              a backup of another database needs --other-database)',
  '  prune [--days N] [--force]  delete backups past retention (below 7 days needs --force)',
  '  status                      last success, last failure, recent runs, next scheduled run',
].join('\n');

const COMMANDS = ['create', 'list', 'verify', 'restore', 'prune', 'status'] as const;
type Command = (typeof COMMANDS)[number];

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Whether a person can answer a confirmation (stdin is a terminal). */
  interactive: boolean;
  ask(question: string): Promise<string>;
}

/** What a command needs besides the backups: the host's own steps after a restore (clearing its cache). */
export interface CliContext {
  app: INestApplicationContext;
  afterRestore(io: CliIo): Promise<void>;
}

interface Invocation {
  command: Command;
  reference?: string;
  days?: number;
  yes: boolean;
  force: boolean;
  otherDatabase: boolean;
}

class UsageError extends Error {}

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

/** The command line, checked completely (names included) before anything starts. */
function parseInvocation(argv: string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        yes: { type: 'boolean', short: 'y' },
        force: { type: 'boolean' },
        days: { type: 'string' },
        'other-database': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const { values, positionals } = parsed;
  const [command, name, ...extra] = positionals;
  if (!command) throw new UsageError('No command given');
  const needsName = command === 'verify' || command === 'restore';
  if (!(COMMANDS as readonly string[]).includes(command) || needsName !== (name !== undefined) || extra.length) {
    throw new UsageError(`Unexpected arguments for "${command}"`);
  }
  if (values.days !== undefined && (!/^\d+$/.test(values.days) || Number(values.days) < 1)) {
    throw new UsageError('--days must be a positive integer');
  }
  return {
    command: command as Command,
    reference: needsName ? parseBackupReference(name) : undefined,
    days: values.days === undefined ? undefined : Number(values.days),
    yes: values.yes === true,
    force: values.force === true,
    otherDatabase: values['other-database'] === true,
  };
}

function describeItem(item: BackupListItem): string {
  const verification = item.manifest.verification;
  const verified = verification ? (verification.ok ? 'verified' : 'VERIFY FAILED') : 'unverified';
  const size = item.sizeBytes === null ? '?' : megabytes(item.sizeBytes);
  return `${item.file}  ${item.createdAt}  ${size}  ${item.s3Key ?? 'local'}  ${verified}`;
}

async function create(backups: BackupService, io: CliIo): Promise<number> {
  const result = await backups.createBackup({ trigger: 'manual', onProgress: progressPrinter(io) });
  const { manifest } = result;
  io.out(`Created ${manifest.file} (${megabytes(manifest.sizeBytes)}, sha256 ${manifest.sha256}) in ${manifest.durationMs} ms`);
  if (result.s3 === 'uploaded') io.out(`Uploaded to ${manifest.s3?.key ?? 'S3'} (checked by ${manifest.s3?.checkedBy ?? 'size'})`);
  if (result.s3 !== 'failed') return 0;
  io.err(`Backup kept locally, but ${result.s3Error ?? 'the S3 upload failed'}`);
  return 1;
}

async function list(backups: BackupService, io: CliIo): Promise<number> {
  const listing = await backups.list();
  if (listing.error) io.err(listing.error);
  const where = listing.catalogue === 's3' ? 'S3' : `${backups.directory} on instance ${listing.instance ?? '?'}`;
  io.out(`Backups of ${listing.database.engine} database "${listing.database.name}" (${listing.database.id}) in ${where}:`);
  if (listing.items.length === 0) io.out('none');
  for (const item of listing.items) io.out(describeItem(item));
  return 0;
}

async function verify(backups: BackupService, io: CliIo, reference: string): Promise<number> {
  const manifest = await backups.verifyBackup(reference, progressPrinter(io));
  const counts = Object.entries(manifest.verification?.rowCounts ?? {}).map(([table, rows]) => `${table}=${rows}`);
  io.out(`Verified ${manifest.file}: checksum ok, trial restore ok (${counts.join(', ')})`);
  return 0;
}

async function restore(context: CliContext, io: CliIo, invocation: Invocation): Promise<number> {
  const backups = context.app.get(BackupService);
  const reference = invocation.reference!;
  const database = await backups.databaseName();
  if (!invocation.yes) {
    if (!io.interactive) throw new BackupError('refused', 'Refusing to restore without --yes (stdin is not a terminal to confirm)');
    const answer = await io.ask(
      `Restore ${reference} over the database "${database}"? Its current content is replaced. Type "yes" to continue: `,
    );
    if (answer.trim().toLowerCase() !== 'yes') {
      io.err('Restore cancelled; nothing was changed');
      return 1;
    }
  }
  const result = await backups.restoreBackup(reference, { otherDatabase: invocation.otherDatabase, onProgress: progressPrinter(io) });
  if (result.fromOtherDatabase) io.err(`Restored a backup of another ${result.fromOtherDatabase}, as --other-database asked`);
  io.out(`Restored ${result.restored} into "${database}" (safety backup of the previous content: ${result.safetyBackup})`);
  await context.afterRestore(io);
  return 0;
}

async function prune(backups: BackupService, io: CliIo, invocation: Invocation): Promise<number> {
  const result = await backups.prune({ retentionDays: invocation.days, force: invocation.force });
  const names = result.deleted.length ? `: ${result.deleted.join(', ')}` : '';
  io.out(`Pruned ${result.deleted.length} backup(s) older than ${result.retentionDays} days${names}; kept ${result.kept.length}`);
  if (!result.s3Error) return 0;
  io.err(result.s3Error);
  return 1;
}

function run(context: CliContext, io: CliIo, invocation: Invocation): Promise<number> {
  const backups = context.app.get(BackupService);
  switch (invocation.command) {
    case 'create':
      return create(backups, io);
    case 'list':
      return list(backups, io);
    case 'verify':
      return verify(backups, io, invocation.reference!);
    case 'restore':
      return restore(context, io, invocation);
    case 'prune':
      return prune(backups, io, invocation);
    case 'status':
      return backups.readStatus().then((status) => {
        io.out(JSON.stringify(status, null, 2));
        return 0;
      });
  }
}

/**
 * Runs one CLI command in a Nest application context (no HTTP server) and returns the exit code.
 * Names are validated before the application starts, so a bad name touches nothing.
 */
export async function runBackupCli(argv: string[], io: CliIo, createContext: () => Promise<CliContext>): Promise<number> {
  let context: CliContext | undefined;
  try {
    const invocation = parseInvocation(argv);
    context = await createContext();
    return await run(context, io, invocation);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n${USAGE}`);
      return 2;
    }
    io.err(`Backup ${argv[0] ?? ''} failed: ${errorMessage(error)}`);
    return 1;
  } finally {
    await context?.app.close();
  }
}
