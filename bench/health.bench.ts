/**
 * Probe latency: p50/p99 of /health/live and /health/ready while the API serves a heavy load
 * (course search, 20 connections), next to the same probes on an idle API, in one run. The API
 * runs as production runs it (compiled, its own process, SQLite with the demo data); autocannon
 * runs in child processes.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const COMPILED = join(dirname(new URL(import.meta.url).pathname), '..');
const REPO = join(COMPILED, '..');
const AUTOCANNON = join(REPO, 'node_modules', 'autocannon', 'autocannon.js');
const SECONDS = 10;
/** About half of what this machine serves flat out: a busy but not saturated API. */
const MODERATE_RATE = 500;

interface Latency {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
}

/** `rate` caps the total requests per second (autocannon -R); without it the connections go flat out. */
async function cannon(url: string, connections: number, seconds: number, rate?: number): Promise<Latency> {
  const args = [AUTOCANNON, '--json', '-c', String(connections), '-d', String(seconds), ...(rate ? ['-R', String(rate)] : []), url];
  const { stdout } = await run(process.execPath, args, {
    maxBuffer: 16 * 2 ** 20,
  });
  const result = JSON.parse(stdout) as {
    requests: { total: number; average: number };
    latency: { p50: number; p99: number; max: number };
    non2xx: number;
  };
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
  };
}

async function startApi(cwd: string): Promise<{ base: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(COMPILED, 'src', 'main.js')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_TO_FILE: 'false' },
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`API did not start: ${output}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { base: `http://127.0.0.1:${port}/api/v1`, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), 'mentorhub-bench-health-'));
  const api = await startApi(cwd);
  try {
    const idleLive = await cannon(`${api.base}/health/live`, 1, 3);
    const idleReady = await cannon(`${api.base}/health/ready`, 1, 3);
    const probeUnder = (rate?: number) =>
      Promise.all([
        cannon(`${api.base}/courses/search?q=redis&limit=50`, 20, SECONDS, rate),
        cannon(`${api.base}/health/live`, 1, SECONDS, 20),
        cannon(`${api.base}/health/ready`, 1, SECONDS, 20),
      ]);
    const [moderate, moderateLive, moderateReady] = await probeUnder(MODERATE_RATE);
    const [saturating, saturatedLive, saturatedReady] = await probeUnder();
    const rows = [
      ['/health/live, idle', idleLive],
      ['/health/ready, idle', idleReady],
      [`/health/live, search at ${MODERATE_RATE} req/s`, moderateLive],
      [`/health/ready, search at ${MODERATE_RATE} req/s`, moderateReady],
      [`course search at ${MODERATE_RATE} req/s`, moderate],
      ['/health/live, search flat out', saturatedLive],
      ['/health/ready, search flat out', saturatedReady],
      ['course search flat out (20 connections)', saturating],
    ] as const;
    console.log(
      `${'endpoint'.padEnd(44)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'req/s'.padStart(8)} non-2xx`,
    );
    for (const [name, r] of rows) {
      console.log(
        `${name.padEnd(44)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)} ${String(r.max).padStart(7)} ${r.rps.toFixed(0).padStart(8)} ${r.non2xx}`,
      );
    }
    const resultsDir = join(REPO, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `health-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ seconds: SECONDS, rows: Object.fromEntries(rows) }, null, 2));
    console.log(`saved ${file}`);
  } finally {
    api.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
