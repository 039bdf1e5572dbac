import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnApi } from './support/spawn-api.js';

interface Outcome {
  startedAt: number;
  /** When the response's headers arrived (unset for a failed request). */
  answeredAt?: number;
  status: number | 'failed';
  connection?: string | null;
}

/** SIGTERM sent to the built API in the middle of a burst of requests. */
describe('graceful shutdown', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'mentorhub-shutdown-'));
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  it('turns readiness 503 at once, serves every request that arrived before the end of the drain, closes keep-alive connections, and exits 0', async () => {
    const drainMs = 1500;
    const api = spawnApi(
      { PORT: '0', LOG_TO_FILE: 'false', SHUTDOWN_DRAIN_MS: String(drainMs), DATABASE_URL: 'sqlite:data/db.sqlite' },
      cwd,
    );
    const base = `http://127.0.0.1:${await api.listening}/api/v1`;

    const outcomes: Outcome[] = [];
    let stopLoad = false;
    const worker = async () => {
      while (!stopLoad) {
        const startedAt = Date.now();
        try {
          const response = await fetch(`${base}/courses/search?q=redis&limit=50`);
          const answeredAt = Date.now();
          await response.arrayBuffer();
          outcomes.push({ startedAt, answeredAt, status: response.status, connection: response.headers.get('connection') });
        } catch {
          outcomes.push({ startedAt, status: 'failed' });
          await sleep(5);
        }
      }
    };
    const workers = Array.from({ length: 16 }, () => worker());
    let exitCode: number | null;
    let sigtermAt = Number.POSITIVE_INFINITY;
    try {
      await sleep(500);
      sigtermAt = Date.now();
      api.child.kill('SIGTERM');
      await sleep(200);
      const readiness = await fetch(`${base}/health/ready`);
      expect(readiness.status).toBe(503);
      expect(((await readiness.json()) as { details: { shutdown: { status: string } } }).details.shutdown.status).toBe('down');
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      exitCode = await api.exited;
    } finally {
      // A failed expectation above must not leave the load loops (and Jest) running.
      stopLoad = true;
      await api.stop('SIGKILL');
      await Promise.all(workers);
    }

    expect(exitCode).toBe(0);
    const beforeSigterm = outcomes.filter((o) => o.startedAt < sigtermAt);
    const duringDrain = outcomes.filter((o) => o.startedAt >= sigtermAt && o.startedAt < sigtermAt + drainMs - 100);
    expect(beforeSigterm.length).toBeGreaterThan(50);
    expect(duringDrain.length).toBeGreaterThan(50);
    expect([...beforeSigterm, ...duringDrain].filter((o) => o.status !== 200)).toEqual([]);
    // Keep-alive until the signal: a request sent just before it may be answered, closing, once draining.
    expect(beforeSigterm.filter((o) => o.answeredAt! < sigtermAt && o.connection === 'close')).toEqual([]);
    // Once draining (the first responses may have been written just before), each response ends its connection…
    expect(duringDrain.slice(-20).map((o) => o.connection)).toEqual(Array(20).fill('close'));
    expect(api.stdout()).toMatch(/SIGTERM received/);
    // …so the server closed without cutting any connection at the timeout.
    expect(api.stdout()).toMatch(/In-flight requests finished; closing connections/);
    expect(api.stdout()).not.toMatch(/still running after/);
  });
});
