import { Injectable } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface RunOptions {
  /** Added to the child's environment only (e.g. PGPASSWORD), so it never shows in `ps`. */
  env?: Record<string, string>;
  /** Receives the child's stdout as a stream (backpressure applies); discarded when absent. */
  stdout?: Writable;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last few kilobytes of stderr, for the failure message. */
  stderr: string;
}

const STDERR_LIMIT = 16 * 1024;

/**
 * What the PostgreSQL tools need from our environment: the rest (JWT_SECRET, AWS keys, …) stays
 * out of the child, which has no use for it.
 */
export function childEnvironment(parent: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const inherited = Object.entries(parent).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined && (['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'].includes(entry[0]) || /^(PG|LC_)/.test(entry[0])),
  );
  return { ...Object.fromEntries(inherited), ...extra };
}

/** Child processes (pg_dump, pg_restore, psql) behind one injectable, so the orchestration has fakes in unit tests. */
@Injectable()
export class ProcessRunner {
  async run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
    const child = spawn(command, args, {
      env: childEnvironment(process.env, options.env),
      stdio: ['ignore', options.stdout ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_LIMIT);
    });
    const exited = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, signal) => resolve({ exitCode, signal }));
    });
    try {
      const [, status] = await Promise.all([options.stdout && child.stdout ? pipeline(child.stdout, options.stdout) : undefined, exited]);
      return { ...status, stderr: stderr.trim() };
    } catch (error) {
      child.kill('SIGTERM');
      throw error;
    }
  }

  /** Runs a command and returns its stdout (small outputs only, e.g. `--version`). */
  async output(command: string, args: string[]): Promise<string> {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    const result = await this.run(command, args, { stdout: sink });
    if (result.exitCode !== 0) throw new Error(`${command} exited with code ${result.exitCode}: ${result.stderr}`);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
}
