import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * The shared Redis CI provides (TEST_REDIS_URL), database 15 by default so a developer's own data
 * in database 0 is never touched; tests only touch keys of their own namespace there.
 */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';

/** A port nothing listens on right now (the OS picks it, then it is released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function randomNamespace(): string {
  return `mentorhub-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}:`;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A private redis-server child process for fault tests: it can be shut down (saving its data,
 * so a restart brings the old keys back), restarted, frozen (SIGSTOP) and thawed.
 */
export class RedisServerProcess {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async create(port?: number): Promise<RedisServerProcess> {
    return new RedisServerProcess(port ?? (await freePort()), await mkdtemp(join(tmpdir(), 'mentorhub-redis-')));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  client(): Redis {
    return new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', this.dir],
      { stdio: 'ignore' },
    );
    this.process = child;
    await waitFor(async () => (await this.ping()) || child.exitCode !== null, 5000, `redis-server on port ${this.port}`);
    if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with ${child.exitCode}`);
  }

  /** SHUTDOWN SAVE: connections close, and the next start() loads the same keys. */
  async shutdown(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const client = this.client();
    await client.connect();
    await client.shutdown('SAVE').catch(() => undefined);
    client.disconnect();
    await exited;
  }

  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null) {
      child.kill('SIGCONT');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async ping(): Promise<boolean> {
    const client = this.client();
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }
}
