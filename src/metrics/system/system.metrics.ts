import { Inject, Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { PROMETHEUS_REGISTRY } from '../metrics.constants.js';
import { SystemMetricsService, type SystemMetricsSnapshot } from './system-metrics.service.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;

/**
 * The background sampler's machine figures as Prometheus gauges, read at scrape time. The ratios are
 * the ones the health indicators compare with their thresholds, so alerts and /health agree.
 */
@Injectable()
export class SystemPrometheusMetrics {
  constructor(@Inject(PROMETHEUS_REGISTRY) registry: Registry, system: SystemMetricsService) {
    const gauge = (name: string, help: string, pick: (snapshot: SystemMetricsSnapshot) => number) =>
      new Gauge({
        name: `mentorhub_system_${name}`,
        help,
        registers: [registry],
        collect() {
          this.set(pick(system.snapshot()));
        },
      });
    gauge('cpu_usage_ratio', 'Whole-machine CPU busy share over the last sampling interval (0-1)', (s) => s.cpu.machinePercent / 100);
    gauge('memory_usage_ratio', 'Memory in use, of the cgroup limit when lower than the host memory (0-1)', (s) => s.memory.percent / 100);
    gauge('memory_used_bytes', 'Memory in use (cgroup-aware)', (s) => s.memory.usedMb * MB);
    gauge('memory_limit_bytes', 'Memory available to the process: the cgroup limit or the host total', (s) => s.memory.totalMb * MB);
    gauge('disk_usage_ratio', 'Used share of the database/backup filesystem, as df computes it (0-1)', (s) => s.disk.percent / 100);
    gauge('disk_used_bytes', 'Used bytes of the database/backup filesystem', (s) => s.disk.usedGb * GB);
    gauge('disk_size_bytes', 'Size of the database/backup filesystem', (s) => s.disk.totalGb * GB);
  }
}
