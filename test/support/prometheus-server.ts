import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, waitFor } from './redis-server.js';

export const PROMETHEUS_DIR = join(import.meta.dirname, '..', '..', 'deploy', 'prometheus');

interface ScrapeConfig {
  job_name: string;
  authorization?: { type: string; credentials_file: string };
  static_configs: { targets: string[] }[];
}

interface PrometheusConfig {
  global: Record<string, string>;
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

/**
 * A real Prometheus (Debian's package) on loopback, running the repository's prometheus.yml and
 * alerts.yml with two changes only: the API target is the test's, and everything runs every second.
 */
export class PrometheusServer {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly output: () => string,
  ) {}

  static async start(apiTarget: string, metricsToken: string): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), 'mentorhub-prometheus-'));
    const config = parse(await readFile(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as PrometheusConfig;
    config.global = { scrape_interval: '1s', evaluation_interval: '1s' };
    config.scrape_configs = config.scrape_configs
      .filter((scrape) => scrape.job_name === 'mentorhub-api')
      .map((scrape) => ({
        ...scrape,
        authorization: { type: 'Bearer', credentials_file: join(dir, 'metrics_token') },
        static_configs: [{ targets: [apiTarget] }],
      }));
    await writeFile(join(dir, 'metrics_token'), metricsToken, { mode: 0o600 });
    await writeFile(join(dir, 'prometheus.yml'), stringify(config));
    for (const file of config.rule_files) await copyFile(join(PROMETHEUS_DIR, file), join(dir, file));
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir, () => output);
    await server.waitFor(async () => (await fetch(`${server.url}/-/ready`)).ok, 'Prometheus to be ready');
    return server;
  }

  async api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${this.url}/api/v1/${path}?${new URLSearchParams(params).toString()}`);
    const body = (await response.json()) as ApiResponse<T>;
    if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  }

  /** Polls until the check passes (errors count as "not yet"); fails with Prometheus's own output. */
  async waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
    const alive = () => {
      if (this.child.exitCode !== null) throw new Error(`Prometheus exited with ${this.child.exitCode}`);
    };
    await waitFor(() => (alive(), check().catch(() => false)), timeoutMs, what).catch((error: Error) => {
      throw new Error(`${error.message}:\n${this.output()}`);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
