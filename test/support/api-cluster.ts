import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServerProcess } from './redis-server.js';
import { spawnApi, type SpawnedApi } from './spawn-api.js';
import { TEST_ADMIN, TEST_JWT_SECRET } from './test-app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface ClusterReplica {
  /** INSTANCE_ID of this replica: `replica-<index>`. */
  instance: string;
  api: SpawnedApi;
  port: number;
  /** `http://127.0.0.1:<port>/api/v1` */
  base: string;
}

export interface ApiClusterOptions {
  replicas?: number;
  /** Extra environment for every replica (e.g. BACKUP_CRON); per-replica values through `envFor`. */
  env?: Record<string, string>;
  envFor?: (index: number) => Record<string, string>;
  /** Start without Redis (REDIS_URL unset): each replica on its in-memory cache. */
  withoutRedis?: boolean;
}

/**
 * Several built APIs (dist/main.js) as production runs them: one PostgreSQL test database, one
 * private redis-server the test can freeze or kill, each replica in its own working folder (its
 * own BACKUP_DIR and logs, as pods without a shared volume). Always `stop()` it in afterAll/finally.
 */
export class ApiCluster {
  readonly replicas: ClusterReplica[] = [];

  private constructor(
    readonly database: TestDatabase,
    readonly redis: RedisServerProcess | undefined,
    private readonly root: string,
    private readonly options: ApiClusterOptions,
  ) {}

  static async start(options: ApiClusterOptions = {}): Promise<ApiCluster> {
    const database = await createTestDatabase('postgres');
    const redis = options.withoutRedis ? undefined : await RedisServerProcess.create();
    const cluster = new ApiCluster(database, redis, await mkdtemp(join(tmpdir(), 'mentorhub-cluster-')), options);
    try {
      await redis?.start();
      // The first replica runs the migrations and the demo data alone; the others then start together.
      await cluster.add(0);
      await Promise.all(Array.from({ length: (options.replicas ?? 3) - 1 }, (_, i) => cluster.add(i + 1)));
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** The environment replica `index` runs with (the same one when it is restarted). */
  envOf(index: number): Record<string, string> {
    return {
      NODE_ENV: 'test',
      PORT: '0',
      INSTANCE_ID: `replica-${index}`,
      DATABASE_URL: this.database.url,
      ...(this.redis ? { REDIS_URL: this.redis.url } : {}),
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      LOG_TO_FILE: 'false',
      DEMO_DATA: 'true',
      LOGIN_RATE_LIMIT: '100000',
      BACKUP_ENABLED: 'false',
      ...this.options.env,
      ...this.options.envFor?.(index),
    };
  }

  /** Starts (or restarts, after `kill`, keeping its folder) replica `index`. */
  async add(index: number): Promise<ClusterReplica> {
    const cwd = join(this.root, `replica-${index}`);
    await mkdir(cwd, { recursive: true });
    const api = spawnApi(this.envOf(index), cwd, 60_000);
    const replica: ClusterReplica = { instance: `replica-${index}`, api, port: 0, base: '' };
    this.replicas[index] = replica;
    replica.port = await api.listening;
    replica.base = `http://127.0.0.1:${replica.port}/api/v1`;
    return replica;
  }

  /** SIGKILL: no shutdown hook runs, as when a node dies. */
  async kill(index: number): Promise<void> {
    await this.replicas[index]?.api.stop('SIGKILL');
  }

  async adminToken(index = 0): Promise<string> {
    const response = await fetch(`${this.replicas[index].base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(TEST_ADMIN),
    });
    if (response.status !== 200) throw new Error(`Admin login on replica ${index} answered ${response.status}`);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica?.api.stop('SIGKILL')));
    await this.redis?.destroy();
    await this.database.drop().catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
  }
}
