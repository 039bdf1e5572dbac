/**
 * What the HTTP stack costs per request, side by side in one run: bare `node:http`, bare Fastify,
 * an empty Nest app on Fastify, and our API (compiled, SQLite with the demo data, everything on as
 * in production) on the same two routes, the cached mentor detail and the liveness probe. The
 * reference servers answer the JSON the API answered, serialized per request. Each server is its
 * own process; autocannon (50 connections) runs in a child process; each round runs every server
 * once per route, in an order that rotates from round to round. Per server and route: median req/s,
 * its share of bare `node:http` in the same round, median p99, and the server's CPU time per request
 * read from /proc/<pid>/stat.
 *
 * BENCH_BASELINE_MAIN=<another build's dist/main.js> adds that build of the API as one more row
 * (e.g. the commit before a change), named by BENCH_BASELINE_LABEL. BENCH_ROUNDS and
 * BENCH_ROUND_SECONDS change the rounds (default 5 of 5 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cannon, COMPILED, cpuMsOf, REPO, startApi, type Latency } from './api-process.js';
import type { BenchRoute, ServerKind } from './http-stack-server.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 5);
const CONNECTIONS = 50;
const ROUTES = [
  { name: 'cached GET /api/v1/mentors/:id', route: '/api/v1/mentors/:id', path: '/api/v1/mentors/1' },
  { name: 'GET /api/v1/health/live', route: '/api/v1/health/live', path: '/api/v1/health/live' },
] as const;

interface Server {
  label: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  pid: number;
  stop(): void;
}

interface Sample extends Latency {
  cpuUsPerRequest: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function startReference(kind: ServerKind, label: string, routesFile: string): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [join(COMPILED, 'bench', 'http-stack-server.js'), kind, routesFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^port (\d+)$/m.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code} before listening`)));
  });
  return { label, origin: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

async function startApiServer(label: string, cwd: string, main?: string): Promise<Server> {
  mkdirSync(cwd);
  const api = await startApi(cwd, {}, main);
  return { label, origin: api.base.replace(/\/api\/v1$/, ''), pid: api.child.pid!, stop: () => api.stop() };
}

async function measure(server: Server, path: string, seconds: number): Promise<Sample> {
  const before = cpuMsOf(server.pid);
  const result = await cannon(`${server.origin}${path}`, CONNECTIONS, seconds);
  const cpuMs = cpuMsOf(server.pid) - before;
  if (result.non2xx) throw new Error(`${server.label} answered ${result.non2xx} non-2xx responses on ${path}`);
  return { ...result, cpuUsPerRequest: (cpuMs * 1000) / result.requests };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'mentorhub-bench-http-'));
  const servers: Server[] = [];
  try {
    const api = await startApiServer('our API', join(work, 'api'));
    servers.push(api);
    // The API's own answers (the mentor then comes from the cache) become what the others send.
    const bodies: BenchRoute[] = [];
    for (const { route, path } of ROUTES) {
      await fetch(`${api.origin}${path}`).then((response) => response.arrayBuffer());
      bodies.push({ route, body: await (await fetch(`${api.origin}${path}`)).json() });
    }
    const routesFile = join(work, 'routes.json');
    writeFileSync(routesFile, JSON.stringify(bodies));
    servers.unshift(
      await startReference('node-http', 'bare node:http', routesFile),
      await startReference('fastify', 'bare Fastify', routesFile),
      await startReference('nest-fastify', 'empty Nest app (Fastify)', routesFile),
    );
    const baseline = process.env.BENCH_BASELINE_MAIN;
    if (baseline) servers.push(await startApiServer(process.env.BENCH_BASELINE_LABEL ?? 'baseline API', join(work, 'baseline'), baseline));

    const bytes = new Map<string, number>();
    for (const server of servers) {
      for (const { path } of ROUTES) {
        const response = await fetch(`${server.origin}${path}`);
        bytes.set(`${server.label} ${path}`, (await response.arrayBuffer()).byteLength);
      }
    }
    for (const server of servers) for (const { path } of ROUTES) await measure(server, path, 2);

    const samples = new Map<string, Sample[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const { path } of ROUTES) {
        for (const server of order) {
          const key = `${server.label} ${path}`;
          samples.set(key, [...(samples.get(key) ?? []), await measure(server, path, ROUND_SECONDS)]);
        }
      }
      process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
    }

    const floor = servers[0];
    const results = ROUTES.map(({ name, path }) => ({
      route: name,
      rows: servers.map((server) => {
        const own = samples.get(`${server.label} ${path}`)!;
        const reference = samples.get(`${floor.label} ${path}`)!;
        return {
          server: server.label,
          rps: median(own.map((s) => s.rps)),
          // Per round, against node:http measured minutes apart at most: steadier than a ratio of medians.
          shareOfNodeHttp: median(own.map((s, i) => s.rps / reference[i].rps)),
          p50Ms: median(own.map((s) => s.p50)),
          p99Ms: median(own.map((s) => s.p99)),
          cpuUsPerRequest: median(own.map((s) => s.cpuUsPerRequest)),
          bodyBytes: bytes.get(`${server.label} ${path}`),
        };
      }),
    }));

    const header = `${'server'.padEnd(34)} ${'req/s'.padStart(8)} ${'% node'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'CPU µs/req'.padStart(11)} ${'bytes'.padStart(6)}`;
    for (const { route, rows } of results) {
      process.stdout.write(`\n${route} (${CONNECTIONS} connections, median of ${ROUNDS} rounds of ${ROUND_SECONDS} s)\n${header}\n`);
      for (const row of rows) {
        process.stdout.write(
          `${row.server.padEnd(34)} ${row.rps.toFixed(0).padStart(8)} ${`${(row.shareOfNodeHttp * 100).toFixed(0)} %`.padStart(7)} ${row.p50Ms.toFixed(0).padStart(7)} ${row.p99Ms.toFixed(0).padStart(7)} ${row.cpuUsPerRequest.toFixed(0).padStart(11)} ${String(row.bodyBytes).padStart(6)}\n`,
        );
      }
    }
    const resultsDir = join(REPO, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `http-stack-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          node: process.version,
          connections: CONNECTIONS,
          rounds: ROUNDS,
          roundSeconds: ROUND_SECONDS,
          baseline,
          results,
          samples: Object.fromEntries(samples),
        },
        null,
        2,
      ),
    );
    process.stdout.write(`saved ${file}\n`);
  } finally {
    for (const server of servers) server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
