/** What the benches that run the compiled API as its own process share: starting it, and autocannon. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const COMPILED = join(dirname(new URL(import.meta.url).pathname), '..');
export const REPO = join(COMPILED, '..');
const AUTOCANNON = join(REPO, 'node_modules', 'autocannon', 'autocannon.js');

export interface Latency {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
}

/** `rate` caps the total requests per second (autocannon -R); without it the connections go flat out. */
export async function cannon(url: string, connections: number, seconds: number, rate?: number, headers: string[] = []): Promise<Latency> {
  const args = [
    AUTOCANNON,
    '--json',
    '-c',
    String(connections),
    '-d',
    String(seconds),
    ...(rate ? ['-R', String(rate)] : []),
    ...headers.flatMap((header) => ['-H', header]),
    url,
  ];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 2 ** 20 });
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

export interface ApiProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>/api/v1` */
  base: string;
  /** CPU time the process has used so far (user + system), in ms, from /proc. */
  cpuMs(): number;
  /** Resident memory now, in MB, from /proc. */
  rssMb(): number;
  stop(): void;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time a process has used so far (user + system), in ms: fields 14 and 15 (utime, stime) of /proc/<pid>/stat. */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Starts the compiled API (as production runs it) in `cwd` on a free port, with only `env` besides PATH.
 * `main` runs another build instead (e.g. an older commit's `dist/main.js`, to compare with).
 */
export async function startApi(
  cwd: string,
  env: Record<string, string> = {},
  main = join(COMPILED, 'src', 'main.js'),
): Promise<ApiProcess> {
  const child = spawn(process.execPath, [main], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_TO_FILE: 'false', ...env },
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
  return {
    child,
    base: `http://127.0.0.1:${port}/api/v1`,
    cpuMs: () => cpuMsOf(child.pid!),
    rssMb: () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
    stop: () => child.kill('SIGTERM'),
  };
}
