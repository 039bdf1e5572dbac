import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import S3rver from 's3rver';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source.options.js';

/**
 * Backup benchmark on a PostgreSQL database of at least 500 MB (built once with bulk inserts,
 * reused afterwards): our backup (pg_dump streamed through Node with SHA-256, manifest, upload
 * to a local S3 server) against plain `pg_dump -Fc`, the peak RSS of our process on a large and
 * a tiny database, and our restore against plain `pg_restore`, all in one run.
 */
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BIG = 'mentorhub_bench_backup';
const SMALL = 'mentorhub_bench_backup_small';
const MIN_BYTES = 500 * 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'backup-cli-child.js');

/** The node flags of the `npm run backup` script (e.g. the young-generation size), so the bench runs the CLI as operators do. */
function cliNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const command = manifest.scripts.backup.split('&&').pop()!.trim().split(/\s+/);
  return command
    .slice(
      1,
      command.findIndex((word) => word.endsWith('backup.cli.js')),
    )
    .filter((word) => word.startsWith('--'));
}
const NODE_FLAGS = cliNodeFlags();

function urlOf(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(database: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: urlOf(database) });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function databaseSize(database: string): Promise<number> {
  const rows = await query<{ size: string | null }>(
    'postgres',
    `SELECT pg_database_size(datname)::text AS size FROM pg_database WHERE datname = '${database}'`,
  );
  return rows.length ? Number(rows[0].size) : 0;
}

/** The app's schema (its migrations), then bulk rows with generate_series. */
async function createDatabase(database: string, reviews: number): Promise<void> {
  await query('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await query('postgres', `CREATE DATABASE ${database}`);
  const dataSource = new DataSource(
    buildDataSourceOptions(
      { connection: { engine: 'postgres', url: urlOf(database), database }, poolSize: 2, queryTimeoutMs: 600_000 },
      [],
    ),
  );
  await dataSource.initialize();
  try {
    // The app runs its migrations at start (DatabaseMigrator), not TypeORM on initialize.
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
  const mentors = Math.max(10, Math.ceil(reviews / 50));
  const students = mentors * 3;
  for (const sql of [
    `INSERT INTO users (email, password_hash, role, name)
       SELECT 'bench' || i || '@bench.local', md5(i::text), CASE WHEN i <= ${mentors} THEN 'mentor' ELSE 'student' END, 'Bench user ' || i
       FROM generate_series(1, ${mentors + students}) i`,
    `INSERT INTO mentors (user_id, name, bio, expertise, hourly_rate)
       SELECT id, name, repeat(md5(id::text) || ' ', 8), 'typescript,postgres', 40 + id % 60 FROM users WHERE role = 'mentor' ORDER BY id`,
    `INSERT INTO courses (mentor_id, title, description, level, price)
       SELECT m.id, 'Course ' || g || ' of mentor ' || m.id, repeat(md5((m.id * 10 + g)::text) || ' ', 6), 'beginner', 10 + g
       FROM mentors m, generate_series(1, 10) g`,
    `INSERT INTO reviews (mentor_id, author_id, rating, text)
       SELECT 1 + (i % ${mentors}), ${mentors} + 1 + (i % ${students}), 1 + i % 5, repeat(md5(i::text) || ' ', 4)
       FROM generate_series(1, ${reviews}) i`,
    'ANALYZE',
  ]) {
    await query(database, sql);
  }
}

interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Timed> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
  });
}

interface ChildReport {
  code: number;
  bootMs: number;
  commandMs: number;
  maxRssBytes: number;
  bootRssBytes: number;
  timeline: { atMs: number; rssMb: number; externalMb: number }[];
  lines: { atMs: number; line: string }[];
}

/** Peak RSS sampled between two moments of a child's run (every 500 ms). */
function peakBetween(report: ChildReport, fromMs: number, toMs: number): number {
  return Math.max(0, ...report.timeline.filter((sample) => sample.atMs >= fromMs && sample.atMs <= toMs).map((sample) => sample.rssMb));
}

async function ours(args: string[], env: Record<string, string>): Promise<ChildReport> {
  const result = await run(process.execPath, [...NODE_FLAGS, CHILD, ...args], env);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  const report = JSON.parse(last) as ChildReport;
  if (report.code !== 0)
    throw new Error(`backup ${args.join(' ')} failed: ${report.lines.map((l) => l.line).join(' | ')} ${result.stderr}`);
  return report;
}

const mb = (bytes: number) => bytes / 1024 / 1024;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const prepareStart = performance.now();
  if ((await databaseSize(BIG)) < MIN_BYTES) {
    process.stdout.write(`Building ${BIG} (≥ 500 MB, once; reused by later runs)…\n`);
    await createDatabase(BIG, 2_600_000);
  }
  await createDatabase(SMALL, 300_000);
  const bigSize = await databaseSize(BIG);
  const smallSize = await databaseSize(SMALL);
  const prepareMs = performance.now() - prepareStart;

  const work = mkdtempSync(join(tmpdir(), 'mentorhub-backup-bench-'));
  const s3dir = join(work, 's3');
  mkdirSync(s3dir);
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: 'bench' }] });
  const { port } = await s3.run();
  const env = (database: string, dir: string) => ({
    DATABASE_URL: urlOf(database),
    BACKUP_DIR: dir,
    LOG_TO_FILE: 'false',
    DEMO_DATA: 'false',
    REDIS_URL: '',
    AWS_S3_BUCKET: 'bench',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_S3_ENDPOINT: `http://127.0.0.1:${port}`,
  });

  const bigConnectionArgs = ['--host', '127.0.0.1', '--username', 'postgres', '--dbname', BIG];
  try {
    // Backup: plain pg_dump, then ours, on the same database.
    const plainFile = join(work, 'plain.dump');
    const plainDump = await run('pg_dump', ['--format=custom', ...bigConnectionArgs, '--file', plainFile]);
    if (plainDump.code !== 0) throw new Error(`pg_dump failed: ${plainDump.stderr}`);
    const bigDir = join(work, 'big');
    const created = await ours(['create'], env(BIG, bigDir));
    const createdLine = created.lines.find((line) => line.line.startsWith('Created '))!;
    const name = /Created (mentorhub_backup_\d{8}_\d{6})/.exec(createdLine.line)![1];
    const dumpMs = Number(/in (\d+) ms/.exec(createdLine.line)![1]);
    const ourFile = statSync(join(bigDir, `${name}.dump`)).size;
    const uploadMs = created.commandMs - dumpMs;
    const firstUpload = created.lines.find((line) => line.line.startsWith('upload:'))?.atMs ?? createdLine.atMs;

    const smallCreated = await ours(['create'], env(SMALL, join(work, 'small')));

    // Restore: plain pg_restore (same options as ours), then ours (checksum, safety backup, pg_restore).
    const plainRestore = await run('pg_restore', [
      ...bigConnectionArgs,
      '--clean',
      '--if-exists',
      '--single-transaction',
      '--exit-on-error',
      '--no-owner',
      '--no-acl',
      plainFile,
    ]);
    if (plainRestore.code !== 0) throw new Error(`pg_restore failed: ${plainRestore.stderr}`);
    const restored = await ours(['restore', name, '--yes'], env(BIG, bigDir));
    const at = (prefix: string) => restored.lines.find((line) => line.line.startsWith(prefix))?.atMs ?? 0;
    const restorePhaseMs = restored.bootMs + restored.commandMs - at('restore…');
    const safetyMs = at('restore…') - at('safety-backup…');

    const results = {
      nodeFlags: NODE_FLAGS,
      database: { name: BIG, sizeMb: round(mb(bigSize)), smallSizeMb: round(mb(smallSize)), prepareSeconds: round(prepareMs / 1000) },
      backup: {
        plainPgDumpSeconds: round(plainDump.ms / 1000, 2),
        oursDumpSeconds: round(dumpMs / 1000, 2),
        ratio: round(dumpMs / plainDump.ms, 3),
        plainFileMb: round(mb(statSync(plainFile).size)),
        ourFileMb: round(mb(ourFile)),
        s3UploadAndCheckSeconds: round(uploadMs / 1000, 2),
        cliBootSeconds: round(created.bootMs / 1000, 2),
      },
      memory: {
        rssAfterBootMb: round(mb(created.bootRssBytes)),
        peakRssDumpPhaseMb: peakBetween(created, 0, firstUpload),
        peakRssUploadPhaseMb: peakBetween(created, firstUpload, Number.MAX_SAFE_INTEGER),
        peakRssLargeMb: round(mb(created.maxRssBytes)),
        peakRssTinyMb: round(mb(smallCreated.maxRssBytes)),
        goalMb: 150,
        timeline: created.timeline,
      },
      restore: {
        plainPgRestoreSeconds: round(plainRestore.ms / 1000, 2),
        oursPgRestorePhaseSeconds: round(restorePhaseMs / 1000, 2),
        ratio: round(restorePhaseMs / plainRestore.ms, 3),
        oursSafetyBackupSeconds: round(safetyMs / 1000, 2),
        oursTotalSeconds: round((restored.commandMs + restored.bootMs) / 1000, 2),
        peakRssMb: round(mb(restored.maxRssBytes)),
      },
    };
    const rows: [string, string, string, string][] = [
      [
        'backup (dump + sha256 + fsync)',
        `${results.backup.oursDumpSeconds} s`,
        `${results.backup.plainPgDumpSeconds} s pg_dump -Fc`,
        `${results.backup.ratio}× (goal ≤ 1.1×)`,
      ],
      ['S3 upload + size/MD5 check', `${results.backup.s3UploadAndCheckSeconds} s`, '—', `${results.backup.ourFileMb} MB to s3rver`],
      [
        'peak RSS, backup + upload',
        `${results.memory.peakRssLargeMb} MB`,
        `${results.memory.peakRssTinyMb} MB on a ${results.database.smallSizeMb} MB db`,
        'goal: flat, < 150 MB',
      ],
      [
        'RSS: after boot / dump peak / upload peak',
        `${results.memory.rssAfterBootMb} / ${results.memory.peakRssDumpPhaseMb} / ${results.memory.peakRssUploadPhaseMb} MB`,
        '—',
        'the Nest context at rest, then per phase',
      ],
      [
        'restore (pg_restore phase)',
        `${results.restore.oursPgRestorePhaseSeconds} s`,
        `${results.restore.plainPgRestoreSeconds} s pg_restore`,
        `${results.restore.ratio}× (goal ≤ 1.1×)`,
      ],
      [
        'restore, whole command',
        `${results.restore.oursTotalSeconds} s`,
        '—',
        `incl. checksum + ${results.restore.oursSafetyBackupSeconds} s safety backup`,
      ],
    ];
    process.stdout.write(
      `Database ${BIG}: ${results.database.sizeMb} MB (dump ${results.backup.plainFileMb} MB); CLI node flags: ${NODE_FLAGS.join(' ') || 'none'}\n\n`,
    );
    process.stdout.write(`| measure | ours | baseline | note |\n| --- | --- | --- | --- |\n`);
    for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
    const out = join(here, '..', '..', 'bench', 'results', `backup-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nSaved ${out}\n`);
  } finally {
    await s3.close();
    rmSync(work, { recursive: true, force: true });
    await query('postgres', `DROP DATABASE IF EXISTS ${SMALL} WITH (FORCE)`);
  }
}

await main();
