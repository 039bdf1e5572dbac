import { Inject, Injectable, Logger, type INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { healthConfig, type HealthConfig } from './config/health.config.js';

/**
 * SIGTERM handling for orchestrators: readiness turns 503 at once, traffic keeps being served
 * for the drain period (so load balancers stop routing here), then the HTTP server stops
 * accepting and waits for in-flight requests before the app closes its connections.
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
    this.logger.log(`${signal} received: not ready any more, draining for ${this.config.shutdownDrainMs} ms`);
    if (this.config.shutdownDrainMs > 0) await sleep(this.config.shutdownDrainMs);
    const server = app.getHttpServer() as Server;
    this.stopping.abort();
    // Stops accepting, closes idle keep-alive sockets and resolves once in-flight requests are answered…
    const closed = new Promise<'closed'>((resolve) => server.close(() => resolve('closed')));
    // …unless one hangs: past the timeout its connection is cut so the process still exits before SIGKILL.
    const outcome = await Promise.race([closed, sleep(this.config.shutdownTimeoutMs, 'timeout' as const, { ref: false })]);
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
