import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { monitorEventLoopDelay, performance, type ELDHistogram } from 'node:perf_hooks';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config.js';
import { SystemProbe, type CpuTimes } from './system.probe.js';
import { round1, round2 } from '../../common/rounding.js';

/**
 * What the background sampler last saw; `snapshot()` never waits for the OS. The HealthModule's
 * CPU, memory, disk and event-loop indicators read this.
 */
export interface SystemMetricsSnapshot {
  /** When the figures were taken; null before the first sample completed. */
  sampledAt: Date | null;
  cpu: {
    /** Whole machine, 0-100, from CPU time deltas between the last two samples. */
    machinePercent: number;
    /** This process, percent of ONE core (as `top` shows it: up to 100 × cores). */
    processPercent: number;
    cores: number;
  };
  memory: {
    percent: number;
    usedMb: number;
    totalMb: number;
    /** true when the figures are the cgroup (container) limit and usage rather than the host's. */
    cgroupLimit: boolean;
  };
  disk: {
    percent: number;
    usedGb: number;
    totalGb: number;
    /** The folder whose filesystem was measured. */
    path: string;
    /** Set when the last statfs failed (the other disk figures are then the last good ones). */
    error?: string;
  };
  /** Event-loop delay over the last sampling interval (how late timers fired). */
  eventLoop: {
    lagMs: number;
    p99Ms: number;
    maxMs: number;
  };
  process: {
    rssMb: number;
    heapUsedMb: number;
    heapTotalMb: number;
    externalMb: number;
  };
  /** Process uptime, computed when snapshot() is called. */
  uptimeSeconds: number;
}

const MB = 1024 * 1024;
const GB = 1024 * MB;
const EVENT_LOOP_RESOLUTION_MS = 10;
/** The first CPU figure needs two samples; take the second soon instead of a full interval later. */
const FIRST_DELTA_AFTER_MS = 1000;

export const SYSTEM_PROBE = Symbol('mentorhub:metrics:system-probe');

/**
 * Samples CPU, memory, disk and event-loop delay in the background on an interval (unref'ed,
 * never overlapping, errors logged), so a request reading the figures never waits.
 */
@Injectable()
export class SystemMetricsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SystemMetricsService.name);
  private readonly diskPath: string;
  private readonly intervalMs: number;
  private readonly loopDelay: ELDHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  private current: Omit<SystemMetricsSnapshot, 'uptimeSeconds'>;
  private previous?: { cpu: CpuTimes; processMicros: number; wallMs: number };
  private timers: NodeJS.Timeout[] = [];
  private sampling?: Promise<void>;

  constructor(
    @Inject(SYSTEM_PROBE) private readonly probe: SystemProbe,
    @Inject(metricsConfig.KEY) metrics: MetricsConfig,
  ) {
    this.diskPath = metrics.diskPath ?? '.';
    this.intervalMs = metrics.sampleIntervalMs;
    this.current = {
      sampledAt: null,
      cpu: { machinePercent: 0, processPercent: 0, cores: probe.cpuCount() },
      memory: { percent: 0, usedMb: 0, totalMb: 0, cgroupLimit: false },
      disk: { percent: 0, usedGb: 0, totalGb: 0, path: this.diskPath },
      eventLoop: { lagMs: 0, p99Ms: 0, maxMs: 0 },
      process: { rssMb: 0, heapUsedMb: 0, heapTotalMb: 0, externalMb: 0 },
    };
  }

  async onModuleInit(): Promise<void> {
    this.loopDelay.enable();
    await this.sample();
    this.timers.push(setTimeout(() => void this.sample(), Math.min(FIRST_DELTA_AFTER_MS, this.intervalMs)).unref());
    this.timers.push(setInterval(() => void this.sample(), this.intervalMs).unref());
  }

  /** Does not wait for a sample in flight: a statfs on a stuck volume must not hang the shutdown. */
  onModuleDestroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    this.loopDelay.disable();
  }

  snapshot(): SystemMetricsSnapshot {
    return { ...this.current, uptimeSeconds: Math.floor(process.uptime()) };
  }

  /** Takes a sample now (the interval calls this; overlapping calls share one run). Never throws. */
  sample(): Promise<void> {
    this.sampling ??= this.takeSample()
      .catch((error: unknown) =>
        this.logger.error(`System metrics sample failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  private async takeSample(): Promise<void> {
    const [cpu, memory, disk] = await Promise.all([
      this.probe.cpuTimes(),
      this.probe.memory(),
      this.probe.disk(this.diskPath).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
    ]);
    const processMicros = this.probe.processCpuMicros();
    const wallMs = performance.now();
    const next = { ...this.current, sampledAt: new Date() };

    if (this.previous) {
      const total = cpu.total - this.previous.cpu.total;
      const busy = cpu.busy - this.previous.cpu.busy;
      const wall = wallMs - this.previous.wallMs;
      next.cpu = {
        machinePercent: total > 0 ? round1(Math.min(100, Math.max(0, (busy / total) * 100))) : next.cpu.machinePercent,
        processPercent: wall > 0 ? round1(((processMicros - this.previous.processMicros) / 1000 / wall) * 100) : next.cpu.processPercent,
        cores: this.probe.cpuCount(),
      };
    }
    this.previous = { cpu, processMicros, wallMs };

    next.memory = {
      percent: round1((memory.usedBytes / memory.totalBytes) * 100),
      usedMb: Math.round(memory.usedBytes / MB),
      totalMb: Math.round(memory.totalBytes / MB),
      cgroupLimit: memory.cgroupLimit,
    };

    if (disk instanceof Error) {
      next.disk = { ...next.disk, error: disk.message };
    } else {
      // As df computes Use%: space reserved for root counts as neither used nor available.
      const usable = disk.usedBytes + disk.availableBytes;
      next.disk = {
        percent: usable > 0 ? round1((disk.usedBytes / usable) * 100) : 0,
        usedGb: round2(disk.usedBytes / GB),
        totalGb: round2(disk.totalBytes / GB),
        path: disk.path,
      };
    }

    // The histogram records how long each timer tick took, resolution included; lag is the excess.
    const lag = (ns: number) => (Number.isFinite(ns) ? round2(Math.max(0, ns / 1e6 - EVENT_LOOP_RESOLUTION_MS)) : 0);
    next.eventLoop =
      this.loopDelay.count > 0
        ? { lagMs: lag(this.loopDelay.mean), p99Ms: lag(this.loopDelay.percentile(99)), maxMs: lag(this.loopDelay.max) }
        : next.eventLoop;
    this.loopDelay.reset();

    const usage = process.memoryUsage();
    next.process = {
      rssMb: round1(usage.rss / MB),
      heapUsedMb: round1(usage.heapUsed / MB),
      heapTotalMb: round1(usage.heapTotal / MB),
      externalMb: round1(usage.external / MB),
    };
    this.current = next;
  }
}
