export interface RedisHealthJudgeOptions {
  /** Consecutive failed probes that mean Redis is down. */
  failuresToFail: number;
}

export type RedisVerdict = 'up' | 'down';

/**
 * Decides whether Redis is usable from what Redis itself shows: the command connection closing,
 * and a PING probe on a connection of its own failing several times in a row. A slow command is
 * not evidence (a busy event loop makes every command look slow), so nothing else is asked.
 * Each method returns the new verdict when it changed, undefined otherwise.
 */
export class RedisHealthJudge {
  private verdict: RedisVerdict = 'down';
  private failedProbes = 0;
  private connected = false;
  reason = 'not connected yet';

  constructor(private readonly options: RedisHealthJudgeOptions) {}

  get healthy(): boolean {
    return this.verdict === 'up';
  }

  /** The command connection is ready (ioredis' ready check answered). */
  connectionReady(): RedisVerdict | undefined {
    this.connected = true;
    this.failedProbes = 0;
    return this.change('up', 'Redis answers');
  }

  connectionLost(reason: string): RedisVerdict | undefined {
    this.connected = false;
    return this.change('down', reason);
  }

  probeSucceeded(): RedisVerdict | undefined {
    this.failedProbes = 0;
    return this.connected ? this.change('up', 'Redis answers') : undefined;
  }

  probeFailed(reason: string): RedisVerdict | undefined {
    this.failedProbes++;
    if (this.failedProbes < this.options.failuresToFail) return undefined;
    return this.change('down', `${this.failedProbes} health probes in a row failed: ${reason}`);
  }

  private change(verdict: RedisVerdict, reason: string): RedisVerdict | undefined {
    if (this.verdict === verdict) return undefined;
    this.verdict = verdict;
    this.reason = reason;
    return verdict;
  }
}
