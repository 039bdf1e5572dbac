import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { GracefulShutdownService } from '../graceful-shutdown.service.js';

/** Down from the moment SIGTERM arrives, so readiness sends traffic elsewhere during the drain. */
@Injectable()
export class ShutdownHealthIndicator {
  constructor(
    private readonly shutdown: GracefulShutdownService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key = 'shutdown') {
    const indicator = this.indicators.check(key);
    return this.shutdown.isShuttingDown ? indicator.down({ message: 'shutting down' }) : indicator.up();
  }
}
