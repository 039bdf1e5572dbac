import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConfiguration } from '../src/app.module.js';
import { ConfigError } from '../src/common/config/env.util.js';
import { createTestApp, withEnv } from './support/test-app.js';

const ROOT = join(import.meta.dirname, '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  /** `{published, target}`, or `host_ip:published:target/protocol` when bound to an address. */
  ports?: ({ published: number | string; target: number } | string)[];
  /** `source:target:mode`, as docker-compose 1.x prints them. */
  volumes?: string[];
}

/** The host folders a service mounts (named volumes left out). */
function bindMounts(service: ComposeService): { source: string; target: string; mode: string }[] {
  return (service.volumes ?? [])
    .map((volume) => volume.split(':'))
    .filter(([source]) => source.startsWith('/'))
    .map(([source, target, mode]) => ({ source, target, mode }));
}

/** The stack as docker-compose resolves it (variables substituted, short syntax expanded). */
function resolveCompose(envFile: string): { status: number | null; stderr: string; services: Record<string, ComposeService> } {
  const result = spawnSync('docker-compose', ['--env-file', envFile, '-f', join(ROOT, 'docker-compose.yml'), 'config'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  const services = result.status === 0 ? (parse(result.stdout) as { services: Record<string, ComposeService> }).services : {};
  return { status: result.status, stderr: result.stderr, services };
}

/** The HEALTHCHECK of the runtime stage, as the JSON exec form Docker runs. */
async function dockerHealthcheck(): Promise<{ options: string; command: string[] }> {
  const dockerfile = (await readFile(join(ROOT, 'Dockerfile'), 'utf8')).replace(/\\\n\s*/g, '');
  const match = /^HEALTHCHECK (.*?)CMD (\[.*\])$/m.exec(dockerfile);
  if (!match) throw new Error('The Dockerfile has no HEALTHCHECK in exec form');
  return { options: match[1], command: JSON.parse(match[2]) as string[] };
}

describe('docker-compose.yml (the full stack)', () => {
  let dir: string;
  let realSecrets: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mentorhub-compose-'));
    realSecrets = join(dir, '.env');
    await writeFile(
      realSecrets,
      [
        'POSTGRES_PASSWORD=0b6f3f1d2c5e4a7b9c8d',
        'JWT_SECRET=6a1f0c3e9b7d45f2a8e1c6b0d3f9e7a24c5b8d1e',
        'ADMIN_EMAIL=ops@mentorhub.example',
        'ADMIN_PASSWORD=Vq3!rT8#mZ1$kL6',
        'MINIO_ROOT_PASSWORD=f5e4d3c2b1a09876',
        'METRICS_TOKEN=9d8c7b6a5f4e3d2c1b0a',
        'GRAFANA_ADMIN_PASSWORD=Gr4fana-adm1n-pw',
      ].join('\n'),
    );
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes docker-compose config -q with the example environment', () => {
    const result = spawnSync('docker-compose', ['--env-file', '.env.example', '-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses to resolve without the secrets, naming the missing variable', async () => {
    const empty = join(dir, 'empty.env');
    await writeFile(empty, '');
    const { status, stderr } = resolveCompose(empty);
    expect(status).not.toBe(0);
    expect(stderr).toMatch(
      /set (POSTGRES_PASSWORD|JWT_SECRET|ADMIN_EMAIL|ADMIN_PASSWORD|MINIO_ROOT_PASSWORD|METRICS_TOKEN|GRAFANA_ADMIN_PASSWORD)/,
    );
  });

  it('runs the API, PostgreSQL, Redis, MinIO, Prometheus and Grafana, each with a health check', () => {
    const { services } = resolveCompose(realSecrets);
    expect(Object.keys(services).sort()).toEqual(['api', 'grafana', 'minio', 'minio-bucket', 'postgres', 'prometheus', 'redis']);
    for (const [name, service] of Object.entries(services)) {
      // The API's check is its image's HEALTHCHECK; minio-bucket is a job that exits.
      if (name === 'api' || name === 'minio-bucket') continue;
      expect({ name, healthcheck: Boolean(service.healthcheck?.test) }).toEqual({ name, healthcheck: true });
    }
  });

  it('starts the API only once its dependencies are healthy and the bucket exists', () => {
    const { services } = resolveCompose(realSecrets);
    expect(services.api.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      'minio-bucket': { condition: 'service_completed_successfully' },
    });
    expect(services['minio-bucket'].depends_on).toEqual({ minio: { condition: 'service_healthy' } });
    expect(services.grafana.depends_on).toEqual({ prometheus: { condition: 'service_healthy' } });
  });

  it('wires Prometheus and Grafana to the files in deploy/ and keeps them and the MinIO console on loopback', () => {
    const { services } = resolveCompose(realSecrets);
    for (const name of ['prometheus', 'grafana']) {
      for (const bind of bindMounts(services[name])) {
        expect({ source: bind.source, exists: existsSync(bind.source), mode: bind.mode }).toEqual({
          source: bind.source,
          exists: true,
          mode: 'ro',
        });
      }
    }
    expect(bindMounts(services.prometheus).map((bind) => [bind.source, bind.target])).toEqual([
      [join(ROOT, 'deploy', 'prometheus'), '/etc/prometheus'],
    ]);
    expect(bindMounts(services.grafana).map((bind) => [bind.source, bind.target])).toEqual([
      [join(ROOT, 'deploy', 'grafana', 'provisioning'), '/etc/grafana/provisioning'],
      [join(ROOT, 'deploy', 'grafana', 'dashboards'), '/var/lib/grafana/dashboards'],
    ]);
    expect(services.prometheus.ports).toEqual(['127.0.0.1:9090:9090/tcp']);
    expect(services.minio.ports).toEqual(['127.0.0.1:9001:9001/tcp']);
    expect(services.grafana.ports).toEqual(['127.0.0.1:3000:3000/tcp']);
    // Prometheus scrapes the API by its service name and port, with the same token the API checks.
    expect(services.prometheus.environment?.METRICS_TOKEN).toBe(services.api.environment?.METRICS_TOKEN);
    expect(services.api.environment?.PORT).toBe('8000');
  });

  it('gives the API an environment it accepts in production, and the example placeholders one it refuses', async () => {
    const production = resolveCompose(realSecrets).services.api.environment!;
    await withEnv(production, async () => expect(() => validateConfiguration()).not.toThrow());
    const placeholders = resolveCompose(join(ROOT, '.env.example')).services.api.environment!;
    await withEnv(placeholders, async () => expect(() => validateConfiguration()).toThrow(ConfigError));
    // Each secret the API holds is refused on its own, so replacing only some of them is not enough.
    for (const name of ['JWT_SECRET', 'ADMIN_PASSWORD', 'METRICS_TOKEN']) {
      await withEnv({ ...production, [name]: placeholders[name] }, async () => expect(() => validateConfiguration()).toThrow(name));
    }
  });
});

describe('Dockerfile', () => {
  it('builds in stages and runs as a non-root user with a HEALTHCHECK', async () => {
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages.at(-1)!;
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/^(RUN apt-get install.*(g\+\+|make|python3))/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect((await dockerHealthcheck()).options).toMatch(/--interval=\d+s --timeout=\d+s --start-period=\d+s --retries=\d+/);
  });

  it('HEALTHCHECK command succeeds against a ready API and fails when nothing answers', async () => {
    const [command, ...args] = (await dockerHealthcheck()).command;
    expect(command).toBe('node');
    const t = await createTestApp({ engine: 'sqlite', env: { DEMO_DATA: 'false' } });
    try {
      await t.app.listen(0, '127.0.0.1');
      const { port } = (t.app.getHttpServer() as { address(): AddressInfo }).address();
      // Asynchronously: the API answering it lives in this process.
      const run = () =>
        new Promise<number | null>((resolve) =>
          execFile(process.execPath, args, { env: { PORT: String(port) }, timeout: 10_000 }, (error) =>
            resolve(error ? (error.code as number) : 0),
          ),
        );
      expect(await run()).toBe(0);
      await t.close();
      expect(await run()).toBe(1);
    } finally {
      await t.close().catch(() => undefined);
    }
  });
});
