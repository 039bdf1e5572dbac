/**
 * Running costs of the operations kit, side by side in one run:
 * 1. Sentry: throughput and memory of the API with SENTRY_DSN set (a local stand-in for the ingest
 *    endpoint) against the same API without it, in interleaved rounds.
 * 2. The live dashboard stream: the API's CPU time per second with 0, 1 and 25 dashboard clients
 *    connected (one shared producer builds one snapshot per interval, whatever the number of clients).
 * Both APIs run compiled, each in its own process on SQLite with the demo data; autocannon runs in a child process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { cannon, REPO, startApi, type ApiProcess } from './api-process.js';

const ROUNDS = 7;
const ROUND_SECONDS = 3;
const CONNECTIONS = 10;
const STREAM_WINDOW_SECONDS = 10;
const STREAM_CLIENTS = [0, 1, 25];
const STREAM_CYCLES = 3;
const ADMIN = { email: 'bench-admin@mentorhub.local', password: 'bench-admin-password' };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Accepts and counts what the SDK sends, as Sentry's ingest would. */
async function startIngest(): Promise<{ server: Server; port: number; envelopes: () => number }> {
  let envelopes = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      envelopes++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, envelopes: () => envelopes };
}

async function adminToken(api: ApiProcess): Promise<string> {
  const response = await fetch(`${api.base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Opens `count` dashboard streams and counts the events each receives until closed. */
function openStreams(api: ApiProcess, token: string, count: number): { events: () => number[]; close: () => void } {
  const controller = new AbortController();
  const events = Array.from({ length: count }, () => 0);
  for (let i = 0; i < count; i++) {
    void fetch(`${api.base}/admin/metrics/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal })
      .then(async (response) => {
        const decoder = new TextDecoder();
        for await (const chunk of response.body!) events[i] += (decoder.decode(chunk, { stream: true }).match(/^data:/gm) ?? []).length;
      })
      .catch(() => undefined);
  }
  return { events: () => events, close: () => controller.abort() };
}

async function main(): Promise<void> {
  const dirs = [mkdtempSync(join(tmpdir(), 'mentorhub-bench-ops-plain-')), mkdtempSync(join(tmpdir(), 'mentorhub-bench-ops-sentry-'))];
  const ingest = await startIngest();
  const env = { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
  const plain = await startApi(dirs[0], env);
  const withSentry = await startApi(dirs[1], { ...env, SENTRY_DSN: `http://benchkey@127.0.0.1:${ingest.port}/1` });
  try {
    // The stream first, on an API that has not served load yet (no GC or JIT tail from the rounds).
    await delay(3_000);
    const token = await adminToken(plain);
    const windows: { clients: number; cpuMsPerSecond: number; eventsPerClient: number }[] = [];
    for (let cycle = 0; cycle < STREAM_CYCLES; cycle++) {
      for (const clients of STREAM_CLIENTS) {
        const streams = openStreams(plain, token, clients);
        await delay(2_000);
        const before = { cpu: plain.cpuMs(), events: streams.events().reduce((a, b) => a + b, 0), at: performance.now() };
        await delay(STREAM_WINDOW_SECONDS * 1000);
        const seconds = (performance.now() - before.at) / 1000;
        const events = streams.events().reduce((a, b) => a + b, 0) - before.events;
        windows.push({ clients, cpuMsPerSecond: (plain.cpuMs() - before.cpu) / seconds, eventsPerClient: clients ? events / clients : 0 });
        streams.close();
        await delay(1_000);
      }
    }
    const stream = STREAM_CLIENTS.map((clients) => {
      const mine = windows.filter((window) => window.clients === clients);
      return {
        clients,
        cpuMsPerSecond: median(mine.map((window) => window.cpuMsPerSecond)),
        eventsPerClient: median(mine.map((window) => window.eventsPerClient)),
      };
    });
    console.log(
      `Dashboard stream (1 s interval): API CPU per second, idle apart from the streams; median of ${STREAM_CYCLES} ${STREAM_WINDOW_SECONDS} s windows each`,
    );
    const idle = stream[0].cpuMsPerSecond;
    for (const row of stream) {
      console.log(
        `  ${String(row.clients).padStart(2)} clients: ${row.cpuMsPerSecond.toFixed(1).padStart(6)} ms CPU/s (+${(row.cpuMsPerSecond - idle).toFixed(1)} over none), ${row.eventsPerClient.toFixed(1)} events per client`,
      );
    }

    const url = (api: ApiProcess) => `${api.base}/mentors/1`;
    await cannon(url(plain), CONNECTIONS, 2);
    await cannon(url(withSentry), CONNECTIONS, 2);
    const rps = { plain: [] as number[], sentry: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating which goes first, so a drift in the machine's load hits both alike.
      const order = round % 2 === 0 ? (['plain', 'sentry'] as const) : (['sentry', 'plain'] as const);
      for (const which of order)
        rps[which].push((await cannon(url(which === 'plain' ? plain : withSentry), CONNECTIONS, ROUND_SECONDS)).rps);
    }
    const ratios = rps.plain.map((value, i) => rps.sentry[i] / value);
    const sentry = {
      rpsPlain: median(rps.plain),
      rpsSentry: median(rps.sentry),
      medianRatio: median(ratios),
      rssPlainMb: plain.rssMb(),
      rssSentryMb: withSentry.rssMb(),
      envelopesSent: ingest.envelopes(),
    };
    console.log(`\nSentry off vs on: GET /mentors/1, ${CONNECTIONS} connections, ${ROUNDS} interleaved ${ROUND_SECONDS} s rounds`);
    console.log(`  req/s (medians)          ${sentry.rpsPlain.toFixed(0)} / ${sentry.rpsSentry.toFixed(0)}`);
    console.log(`  on/off (median of ratios) ${sentry.medianRatio.toFixed(3)}  (rounds: ${ratios.map((r) => r.toFixed(3)).join(' ')})`);
    console.log(`  RSS after the rounds      ${sentry.rssPlainMb.toFixed(1)} / ${sentry.rssSentryMb.toFixed(1)} MB`);
    console.log(`  envelopes sent to ingest  ${sentry.envelopesSent} (no errors were caused)`);
    withSentry.stop();

    const resultsDir = join(REPO, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `operations-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ sentry: { ...sentry, rps, ratios }, stream, windows }, null, 2));
    console.log(`saved ${file}`);
  } finally {
    plain.stop();
    withSentry.stop();
    ingest.server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
