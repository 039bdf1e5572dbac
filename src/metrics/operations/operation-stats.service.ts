import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Histogram, type Registry } from 'prom-client';
import { DurationStats, type DurationRecord, type DurationSummary } from '../stats/duration.stats.js';
import { installOperationRecorder, uninstallOperationRecorder, type OperationRecorder } from './measure-time.decorator.js';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config.js';
import { OPERATION_DURATION_METRIC, OVERFLOW_ENDPOINT, PROMETHEUS_REGISTRY } from '../metrics.constants.js';

export interface OperationStatsSnapshot extends DurationSummary {
  name: string;
  /** Calls that threw or rejected. */
  errors: number;
  /** Calls above their threshold (each logged a warning). */
  slow: number;
}

/** One operation's statistics as replicas exchange them. */
export interface OperationRecord {
  name: string;
  errors: number;
  slow: number;
  durations: DurationRecord;
}

export class OperationStats extends DurationStats {
  errors = 0;
  slow = 0;

  toRecord(name: string): OperationRecord {
    return { name, errors: this.errors, slow: this.slow, durations: this.durationRecord() };
  }

  absorb(record: OperationRecord): void {
    this.absorbDurations(record.durations);
    this.errors += record.errors;
    this.slow += record.slow;
  }

  record(durationMs: number, failed: boolean, slow: boolean): void {
    this.recordDuration(durationMs);
    if (failed) this.errors++;
    if (slow) this.slow++;
  }

  snapshot(name: string): OperationStatsSnapshot {
    return { name, ...this.summary(), errors: this.errors, slow: this.slow };
  }
}

/** Durations buckets for code blocks, finer at the low end than the HTTP ones. */
const OPERATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Where @MeasureTime() and measureTime() durations go: per-name statistics for the admin view,
 * a Prometheus histogram, and a warning per call above its threshold. Installed as the
 * process-wide recorder while the module runs (unless METRICS_ENABLED=false).
 */
@Injectable()
export class OperationStatsService implements OperationRecorder, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OperationStatsService.name);
  private readonly stats = new Map<string, OperationStats>();
  private readonly duration: Histogram<'operation' | 'outcome'>;

  constructor(
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
    @Inject(PROMETHEUS_REGISTRY) registry: Registry,
  ) {
    this.duration = new Histogram({
      name: OPERATION_DURATION_METRIC,
      help: 'Duration of operations measured with @MeasureTime() or measureTime(), by name and outcome.',
      labelNames: ['operation', 'outcome'],
      buckets: OPERATION_BUCKETS,
      registers: [registry],
    });
  }

  onModuleInit(): void {
    if (this.config.enabled) installOperationRecorder(this);
  }

  onModuleDestroy(): void {
    uninstallOperationRecorder(this);
  }

  record(name: string, durationMs: number, failed: boolean, thresholdMs: number | undefined): void {
    const key = this.stats.has(name) || this.stats.size < this.config.maxSeries ? name : OVERFLOW_ENDPOINT;
    let stats = this.stats.get(key);
    if (!stats) {
      stats = new OperationStats();
      this.stats.set(key, stats);
    }
    const threshold = thresholdMs ?? this.config.slowMs;
    stats.record(durationMs, failed, durationMs > threshold);
    this.duration.observe({ operation: key, outcome: failed ? 'error' : 'success' }, durationMs / 1000);
    if (durationMs > threshold) {
      this.logger.warn(`${name} took ${durationMs.toFixed(1)} ms (threshold ${threshold} ms)${failed ? ' and failed' : ''}`);
    }
  }

  snapshot(): OperationStatsSnapshot[] {
    return [...this.stats].map(([name, stats]) => stats.snapshot(name));
  }

  toRecords(): OperationRecord[] {
    return [...this.stats].map(([name, stats]) => stats.toRecord(name));
  }

  reset(): void {
    this.stats.clear();
  }
}
