import { Inject, Injectable, Logger, type INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { healthConfig, type HealthConfig } from './health.config.js';

/**
 * SIGTERM handling for orchestrators: readiness turns 503 at once, traffic keeps being served
 * for the drain period (so load balancers stop routing here), then the HTTP server stops
 * accepting and waits for in-flight requests before the app closes its connections.
 */
@Injectable()
export class GracefulShutdownService {
  private readonly logger = new Logger(GracefulShutdownService.name);
  private draining = false;

  constructor(@Inject(healthConfig.KEY) private readonly config: HealthConfig) {}

  get isShuttingDown(): boolean {
    return this.draining;
  }

  async shutdown(app: INestApplication, signal: string): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.logger.log(`${signal} received: not ready any more, draining for ${this.config.shutdownDrainMs} ms`);
    if (this.config.shutdownDrainMs > 0) await sleep(this.config.shutdownDrainMs);
    const server = app.getHttpServer() as Server;
    // Stops accepting, closes idle keep-alive sockets and resolves once in-flight requests are answered.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.logger.log('In-flight requests finished; closing connections');
    await app.close();
  }
}
