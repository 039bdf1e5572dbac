import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import S3rver from 's3rver';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source.options.js';

/**
 * Backup benchmark on a PostgreSQL database of at least 1 GB (built once with bulk inserts,
 * reused afterwards), all in one run: our backup (pg_dump streamed through Node with SHA-256,
 * manifest, run journal) against plain `pg_dump -Fc` to a file, then with the upload to a local S3
 * server against `pg_dump -Fc | <streaming multipart upload>` (the `aws s3 cp -` way), the peak
 * RSS of every process tree, the same on a tiny database, and our restore against `pg_restore`.
 */
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BIG = 'mentorhub_bench_backup_1g';
const SMALL = 'mentorhub_bench_backup_small';
const MIN_BYTES = 1024 * 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'backup-cli-child.js');
const STREAM_UPLOAD = join(here, 'backup-stream-upload.js');
const PAGE_BYTES = 4096;

/** The node flags of the `npm run backup:prod` script (e.g. the young-generation size), so the bench runs the CLI as operators do. */
function cliNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const command = manifest.scripts['backup:prod'].trim().split(/\s+/);
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
  /** Peak of the summed RSS of the process and all its descendants (pg_dump, a pipeline's both ends). */
  peakTreeRssMb: number;
}

/** Summed RSS of `root` and its descendants now, from /proc. */
function treeRss(root: number): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      rss.set(Number(entry), Number(fields[21]) * PAGE_BYTES);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let ancestor: number | undefined = pid; ancestor !== undefined && ancestor > 1; ancestor = parent.get(ancestor)) {
      if (ancestor === root) {
        total += bytes;
        break;
      }
    }
  }
  return total;
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Timed> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, treeRss(child.pid!))), 50);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => {
      clearInterval(sampler);
      reject(error);
    });
    child.once('close', (code) => {
      clearInterval(sampler);
      resolve({ ms: performance.now() - started, code, stdout, stderr, peakTreeRssMb: round(mb(peak)) });
    });
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

const mb = (bytes: number) => bytes / 1024 / 1024;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Peak RSS sampled between two moments of a child's run (every 500 ms). */
function peakBetween(report: ChildReport, fromMs: number, toMs: number): number {
  return Math.max(0, ...report.timeline.filter((sample) => sample.atMs >= fromMs && sample.atMs <= toMs).map((sample) => sample.rssMb));
}

async function ours(args: string[], env: Record<string, string>): Promise<ChildReport & { peakTreeRssMb: number }> {
  const result = await run(process.execPath, [...NODE_FLAGS, CHILD, ...args], env);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  const report = JSON.parse(last) as ChildReport;
  if (report.code !== 0)
    throw new Error(`backup ${args.join(' ')} failed: ${report.lines.map((l) => l.line).join(' | ')} ${result.stderr}`);
  return { ...report, peakTreeRssMb: result.peakTreeRssMb };
}

async function checked(label: string, timed: Promise<Timed>): Promise<Timed> {
  const result = await timed;
  if (result.code !== 0) throw new Error(`${label} failed: ${result.stderr}`);
  return result;
}

async function main(): Promise<void> {
  const prepareStart = performance.now();
  if ((await databaseSize(BIG)) < MIN_BYTES) {
    process.stdout.write(`Building ${BIG} (≥ 1 GB, once; reused by later runs)…\n`);
    await createDatabase(BIG, 3_600_000);
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
  const s3Env = {
    AWS_S3_BUCKET: 'bench',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_S3_ENDPOINT: `http://127.0.0.1:${port}`,
  };
  const env = (database: string, dir: string, withS3: boolean) => ({
    DATABASE_URL: urlOf(database),
    BACKUP_DIR: dir,
    LOG_TO_FILE: 'false',
    DEMO_DATA: 'false',
    REDIS_URL: '',
    INSTANCE_ID: 'bench',
    ...(withS3 ? s3Env : {}),
  });

  const bigConnectionArgs = ['--host', '127.0.0.1', '--username', 'postgres', '--dbname', BIG];
  try {
    // Warm the page cache once, so no contestant pays for the first read of 1 GB.
    await checked('warm-up pg_dump', run('pg_dump', ['--format=custom', '--no-sync', ...bigConnectionArgs, '--file', '/dev/null']));

    const plainFile = join(work, 'plain.dump');
    const plainDump = await checked('pg_dump', run('pg_dump', ['--format=custom', ...bigConnectionArgs, '--file', plainFile]));
    const localDir = join(work, 'local');
    const local = await ours(['create'], env(BIG, localDir, false));
    const createdLine = local.lines.find((line) => line.line.startsWith('Created '))!;
    const name = /Created (mentorhub_backup_\d{8}_\d{6})/.exec(createdLine.line)![1];
    const dumpMs = Number(/in (\d+) ms/.exec(createdLine.line)![1]);

    const pipeline = `pg_dump --format=custom ${bigConnectionArgs.join(' ')} | "${process.execPath}" "${STREAM_UPLOAD}" bench streamed/plain.dump`;
    const streamed = await checked('pg_dump | streaming upload', run('bash', ['-o', 'pipefail', '-c', pipeline], s3Env));
    const uploaded = await ours(['create'], env(BIG, join(work, 'with-s3'), true));
    const uploadedLine = uploaded.lines.find((line) => line.line.startsWith('Created '))!;
    const firstUpload = uploaded.lines.find((line) => line.line.startsWith('upload:'))?.atMs ?? uploadedLine.atMs;
    const smallCreated = await ours(['create'], env(SMALL, join(work, 'small'), true));

    // Restore: plain pg_restore (same options as ours), then ours (checksum, safety backup, pg_restore).
    const plainRestore = await checked(
      'pg_restore',
      run('pg_restore', [
        ...bigConnectionArgs,
        '--clean',
        '--if-exists',
        '--single-transaction',
        '--exit-on-error',
        '--no-owner',
        '--no-acl',
        plainFile,
      ]),
    );
    const restored = await ours(['restore', name, '--yes'], env(BIG, localDir, false));
    const at = (prefix: string) => restored.lines.find((line) => line.line.startsWith(prefix))?.atMs ?? 0;
    const restorePhaseMs = restored.bootMs + restored.commandMs - at('restore…');
    const safetyMs = at('restore…') - at('safety-backup…');

    const seconds = (ms: number) => round(ms / 1000, 2);
    const results = {
      nodeFlags: NODE_FLAGS,
      database: { name: BIG, sizeMb: round(mb(bigSize)), smallSizeMb: round(mb(smallSize)), prepareSeconds: round(prepareMs / 1000) },
      toFile: {
        plainPgDumpSeconds: seconds(plainDump.ms),
        plainPgDumpPeakRssMb: plainDump.peakTreeRssMb,
        oursCommandSeconds: seconds(local.commandMs),
        oursDumpSeconds: seconds(dumpMs),
        oursCliBootSeconds: seconds(local.bootMs),
        oursPeakRssMb: local.peakTreeRssMb,
        oursNodePeakRssMb: round(mb(local.maxRssBytes)),
        dumpRatio: round(dumpMs / plainDump.ms, 3),
        commandRatio: round(local.commandMs / plainDump.ms, 3),
        dumpMb: round(mb(statSync(plainFile).size)),
      },
      toS3: {
        streamedSeconds: seconds(streamed.ms),
        streamedPeakRssMb: streamed.peakTreeRssMb,
        oursCommandSeconds: seconds(uploaded.commandMs),
        oursPeakRssMb: uploaded.peakTreeRssMb,
        oursNodePeakRssDumpPhaseMb: peakBetween(uploaded, 0, firstUpload),
        oursNodePeakRssUploadPhaseMb: peakBetween(uploaded, firstUpload, Number.MAX_SAFE_INTEGER),
        ratio: round(uploaded.commandMs / streamed.ms, 3),
        oursTinyDatabasePeakRssMb: smallCreated.peakTreeRssMb,
      },
      restore: {
        plainPgRestoreSeconds: seconds(plainRestore.ms),
        oursPgRestorePhaseSeconds: seconds(restorePhaseMs),
        ratio: round(restorePhaseMs / plainRestore.ms, 3),
        oursSafetyBackupSeconds: seconds(safetyMs),
        oursTotalSeconds: seconds(restored.commandMs + restored.bootMs),
      },
      timeline: uploaded.timeline,
    };
    const rows: [string, string, string, string][] = [
      [
        'backup to a file: time',
        `${results.toFile.oursCommandSeconds} s (dump phase ${results.toFile.oursDumpSeconds} s)`,
        `${results.toFile.plainPgDumpSeconds} s \`pg_dump -Fc -f\``,
        `${results.toFile.commandRatio}× (dump phase ${results.toFile.dumpRatio}×); + ${results.toFile.oursCliBootSeconds} s CLI start`,
      ],
      [
        'backup to a file: peak RSS (process tree)',
        `${results.toFile.oursPeakRssMb} MB (node ${results.toFile.oursNodePeakRssMb} MB)`,
        `${results.toFile.plainPgDumpPeakRssMb} MB`,
        'ours = node + pg_dump',
      ],
      [
        'backup with S3 upload: time',
        `${results.toS3.oursCommandSeconds} s`,
        `${results.toS3.streamedSeconds} s \`pg_dump -Fc | streaming upload\``,
        `${results.toS3.ratio}×; ours also writes the local copy, hashes, checks the upload, writes manifest and journal`,
      ],
      [
        'backup with S3 upload: peak RSS (process tree)',
        `${results.toS3.oursPeakRssMb} MB (node: dump ${results.toS3.oursNodePeakRssDumpPhaseMb} / upload ${results.toS3.oursNodePeakRssUploadPhaseMb} MB)`,
        `${results.toS3.streamedPeakRssMb} MB`,
        `tiny database: ${results.toS3.oursTinyDatabasePeakRssMb} MB (flat)`,
      ],
      [
        'restore (pg_restore phase)',
        `${results.restore.oursPgRestorePhaseSeconds} s`,
        `${results.restore.plainPgRestoreSeconds} s pg_restore`,
        `${results.restore.ratio}×; whole command ${results.restore.oursTotalSeconds} s incl. checksum + ${results.restore.oursSafetyBackupSeconds} s safety backup`,
      ],
    ];
    process.stdout.write(
      `Database ${BIG}: ${results.database.sizeMb} MB (dump ${results.toFile.dumpMb} MB); CLI node flags: ${NODE_FLAGS.join(' ') || 'none'}\n\n`,
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
