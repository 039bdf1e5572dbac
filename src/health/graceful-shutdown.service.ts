import { Inject, Injectable, Logger, type INestApplication } from '@nestjs/common';
import type { Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { healthConfig, type HealthConfig } from './config/health.config.js';

/** How often, once the server stopped accepting, connections that went idle are closed. */
const IDLE_SWEEP_MS = 100;

/**
 * SIGTERM handling for orchestrators: readiness turns 503 at once, traffic keeps being served
 * for the drain period (so load balancers stop routing here) with every response closing its
 * keep-alive connection (so clients reconnect, through a balancer that now picks another
 * replica), then the HTTP server stops accepting, closes idle connections and waits for
 * in-flight requests before the app closes its own connections (database, Redis).
 */
@Injectable()
export class GracefulShutdownService {
  private readonly logger = new Logger(GracefulShutdownService.name);
  private draining = false;
  private readonly stopping = new AbortController();

  constructor(@Inject(healthConfig.KEY) private readonly config: HealthConfig) {}

  get isShuttingDown(): boolean {
    return this.draining;
  }

  /**
   * Aborted when the server stops accepting connections. Responses that never end by themselves
   * (event streams) end then, or closing the server would wait SHUTDOWN_TIMEOUT_MS for them.
   */
  get stoppingSignal(): AbortSignal {
    return this.stopping.signal;
  }

  async shutdown(app: INestApplication, signal: string): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const server = app.getHttpServer() as Server;
    // Ahead of the app's listener, before anything is written: every request from now on gets
    // `Connection: close`, at no cost to requests before shutdown.
    server.prependListener('request', (_request, response: ServerResponse) => {
      response.shouldKeepAlive = false;
    });
    this.logger.log(`${signal} received: not ready any more, draining for ${this.config.shutdownDrainMs} ms`);
    if (this.config.shutdownDrainMs > 0) await sleep(this.config.shutdownDrainMs);
    this.stopping.abort();
    // Stops accepting, closes idle keep-alive sockets and resolves once in-flight requests are answered
    // (their responses close the remaining connections; one begun before the drain leaves its
    // connection open, closed here once idle)…
    const closed = new Promise<'closed'>((resolve) => server.close(() => resolve('closed')));
    const idleSweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
    // …unless one hangs: past the timeout its connection is cut so the process still exits before SIGKILL.
    const outcome = await Promise.race([closed, sleep(this.config.shutdownTimeoutMs, 'timeout' as const, { ref: false })]);
    clearInterval(idleSweep);
    if (outcome === 'timeout') {
      this.logger.warn(`Requests still running after ${this.config.shutdownTimeoutMs} ms; closing their connections`);
      server.closeAllConnections();
      await closed;
    } else {
      this.logger.log('In-flight requests finished; closing connections');
    }
    // Closing connections and hooks gets the same bound: a hung dependency must not outlive the grace period.
    const done = await Promise.race([
      app.close().then(() => 'closed' as const),
      sleep(this.config.shutdownTimeoutMs, 'timeout' as const, { ref: false }),
    ]);
    if (done === 'timeout') this.logger.warn(`Closing took longer than ${this.config.shutdownTimeoutMs} ms; exiting anyway`);
  }
}
