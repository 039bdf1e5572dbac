/**
 * Probe latency: p50/p99 of /health/live and /health/ready while the API serves a heavy load
 * (course search, 20 connections), next to the same probes on an idle API, in one run. The API
 * runs as production runs it (compiled, its own process, SQLite with the demo data); autocannon
 * runs in child processes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cannon, REPO, startApi } from './api-process.js';

const SECONDS = 10;
/** About half of what this machine serves flat out: a busy but not saturated API. */
const MODERATE_RATE = 500;

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
