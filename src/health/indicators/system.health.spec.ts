import { HealthIndicatorService } from '@nestjs/terminus';
import type { RequestStatsStore } from '../../metrics/http/request-stats.store.js';
import type { SystemMetricsService, SystemMetricsSnapshot } from '../../metrics/system/system-metrics.service.js';
import type { HealthConfig } from '../config/health.config.js';
import { SystemHealthIndicators } from './system.health.js';

const config = {
  cpuPercent: 80,
  memoryPercent: 85,
  diskPercent: 90,
  diskCriticalPercent: 98,
  errorRatePercent: 1,
  eventLoopLagMs: 200,
  livenessEventLoopLagMs: 5000,
} as HealthConfig;

function indicators(snapshot: Partial<SystemMetricsSnapshot>, recent = { requests: 0, errors: 0, errorRatePercent: 0, windowSeconds: 60 }) {
  const system = { snapshot: () => snapshot } as unknown as SystemMetricsService;
  const requests = { recentWindow: () => recent } as unknown as RequestStatsStore;
  return new SystemHealthIndicators(system, requests, new HealthIndicatorService(), config);
}

const disk = (percent: number, error?: string) => ({
  disk: { percent, usedGb: 9, totalGb: 10, path: '/data', ...(error ? { error } : {}) },
});

describe('SystemHealthIndicators', () => {
  it('is up at a threshold and degraded above it, with the figures and why', () => {
    const at = indicators({ cpu: { machinePercent: 80, processPercent: 0, cores: 2 } }).cpu();
    expect(at).toEqual({ cpu: { status: 'up', observed: 80, threshold: 80 } });
    const above = indicators({ cpu: { machinePercent: 80.1, processPercent: 0, cores: 2 } }).cpu();
    expect(above).toEqual({ cpu: { status: 'degraded', observed: 80.1, threshold: 80, message: 'CPU usage above 80%' } });
  });

  it('names the container or the machine whose memory it measured', () => {
    const container = indicators({ memory: { percent: 86, usedMb: 860, totalMb: 1000, cgroupLimit: true } }).memory();
    expect(container).toEqual({
      memory: {
        status: 'degraded',
        observed: 86,
        threshold: 85,
        scope: 'container',
        usedMb: 860,
        totalMb: 1000,
        message: 'Memory usage of the container above 85%',
      },
    });
    const machine = indicators({ memory: { percent: 10, usedMb: 100, totalMb: 1000, cgroupLimit: false } }).memory();
    expect(machine).toEqual({ memory: { status: 'up', observed: 10, threshold: 85, scope: 'machine', usedMb: 100, totalMb: 1000 } });
  });

  it('is degraded above the disk threshold, down from the critical one, and degraded when it cannot measure', () => {
    const details = { path: '/data', usedGb: 9, totalGb: 10 };
    expect(indicators(disk(90)).disk()).toEqual({ disk: { status: 'up', observed: 90, threshold: 90, ...details } });
    expect(indicators(disk(91)).disk()).toEqual({
      disk: { status: 'degraded', observed: 91, threshold: 90, ...details, message: 'Disk usage above 90%' },
    });
    expect(indicators(disk(98)).disk()).toEqual({
      disk: { status: 'down', observed: 98, threshold: 98, ...details, message: 'Disk nearly full (98%)' },
    });
    expect(indicators(disk(10, 'EACCES')).disk()).toEqual({
      disk: { status: 'degraded', observed: 10, threshold: 90, ...details, message: 'Disk usage could not be measured' },
    });
  });

  it('reads event-loop lag as p99 for readiness and the longest stall for liveness', () => {
    const busy = indicators({ eventLoop: { lagMs: 50, p99Ms: 250.04, maxMs: 5000 } });
    expect(busy.eventLoop()).toEqual({
      event_loop: { status: 'degraded', observed: 250, threshold: 200, message: 'Event-loop lag above 200 ms' },
    });
    expect(busy.eventLoopLiveness()).toEqual({ event_loop: { status: 'up', observed: 5000, threshold: 5000 } });
    const wedged = indicators({ eventLoop: { lagMs: 50, p99Ms: 100, maxMs: 5000.1 } });
    expect(wedged.eventLoopLiveness()).toEqual({
      event_loop: { status: 'down', observed: 5000.1, threshold: 5000, message: 'The event loop stalled for more than 5000 ms' },
    });
  });

  it('reports the recent error rate with its requests and errors', () => {
    const recent = { requests: 200, errors: 3, errorRatePercent: 1.5, windowSeconds: 60 };
    expect(indicators({}, recent).errorRate()).toEqual({
      error_rate: {
        status: 'degraded',
        observed: 1.5,
        threshold: 1,
        requests: 200,
        errors: 3,
        message: 'Error rate above 1% over the last 60 s',
      },
    });
  });

  it('measures the heap against its limit', () => {
    const { heap } = indicators({}).heap() as unknown as { heap: Record<string, number | string> };
    expect(heap).toMatchObject({ status: 'up', threshold: 85 });
    expect(heap.observed).toBeGreaterThan(0);
    expect(heap.observed).toBeLessThan(85);
    expect(heap.usedMb).toBeLessThan(heap.limitMb as number);
    expect(heap.usedMb).toBeGreaterThan(1);
    expect(heap.limitMb).toBeGreaterThan(64);
    expect(heap.limitMb).toBeLessThan(1_048_576);
  });
});
