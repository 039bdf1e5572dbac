import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { getHeapStatistics } from 'node:v8';
import { RequestStatsStore } from '../../metrics/http/request-stats.store.js';
import { SystemMetricsService } from '../../metrics/system/system-metrics.service.js';
import { healthConfig, type HealthConfig } from '../config/health.config.js';
import { round1 } from '../../common/rounding.js';

/**
 * CPU, memory, disk, event-loop and error-rate indicators. They read the figures the metrics
 * module samples in the background, so a probe never waits for a measurement and never throws.
 */
@Injectable()
export class SystemHealthIndicators {
  constructor(
    private readonly system: SystemMetricsService,
    private readonly requests: RequestStatsStore,
    private readonly indicators: HealthIndicatorService,
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
  ) {}

  cpu() {
    const observed = this.system.snapshot().cpu.machinePercent;
    return this.threshold('cpu', observed, this.config.cpuPercent, `CPU usage above ${this.config.cpuPercent}%`);
  }

  memory() {
    const { memory } = this.system.snapshot();
    const scope = memory.cgroupLimit ? 'container' : 'machine';
    return this.threshold(
      'memory',
      memory.percent,
      this.config.memoryPercent,
      `Memory usage of the ${scope} above ${this.config.memoryPercent}%`,
      {
        scope,
        usedMb: memory.usedMb,
        totalMb: memory.totalMb,
      },
    );
  }

  /** The V8 heap against its limit: near it, the process is about to die of an out-of-memory error. */
  heap() {
    const { used_heap_size: used, heap_size_limit: limit } = getHeapStatistics();
    const observed = round1((used / limit) * 100);
    return this.threshold('heap', observed, this.config.memoryPercent, `Process heap above ${this.config.memoryPercent}% of its limit`, {
      usedMb: round1(used / 1_048_576),
      limitMb: round1(limit / 1_048_576),
    });
  }

  disk() {
    const { disk } = this.system.snapshot();
    const indicator = this.indicators.check('disk');
    const details = {
      observed: disk.percent,
      threshold: this.config.diskPercent,
      path: disk.path,
      usedGb: disk.usedGb,
      totalGb: disk.totalGb,
    };
    if (disk.error) return indicator.degraded({ ...details, message: 'Disk usage could not be measured' });
    if (disk.percent >= this.config.diskCriticalPercent) {
      return indicator.down({ ...details, threshold: this.config.diskCriticalPercent, message: `Disk nearly full (${disk.percent}%)` });
    }
    return disk.percent > this.config.diskPercent
      ? indicator.degraded({ ...details, message: `Disk usage above ${this.config.diskPercent}%` })
      : indicator.up(details);
  }

  /** p99 event-loop delay over the last sampling interval: a busy process is degraded. */
  eventLoop() {
    const observed = round1(this.system.snapshot().eventLoop.p99Ms);
    return this.threshold('event_loop', observed, this.config.eventLoopLagMs, `Event-loop lag above ${this.config.eventLoopLagMs} ms`);
  }

  /** Liveness: the longest stall of the last interval past its limit means a wedged process, to be restarted. */
  eventLoopLiveness() {
    const observed = round1(this.system.snapshot().eventLoop.maxMs);
    const threshold = this.config.livenessEventLoopLagMs;
    const indicator = this.indicators.check('event_loop');
    return observed > threshold
      ? indicator.down({ observed, threshold, message: `The event loop stalled for more than ${threshold} ms` })
      : indicator.up({ observed, threshold });
  }

  errorRate() {
    const recent = this.requests.recentWindow();
    return this.threshold(
      'error_rate',
      recent.errorRatePercent,
      this.config.errorRatePercent,
      `Error rate above ${this.config.errorRatePercent}% over the last ${recent.windowSeconds} s`,
      { requests: recent.requests, errors: recent.errors },
    );
  }

  private threshold(key: string, observed: number, threshold: number, message: string, extra: Record<string, unknown> = {}) {
    const indicator = this.indicators.check(key);
    const details = { observed, threshold, ...extra };
    return observed > threshold ? indicator.degraded({ ...details, message }) : indicator.up(details);
  }
}
