import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config.js';
import type { ClusterDto, InstanceDto } from '../metrics.dto.js';
import { RequestStatsStore, type RequestStatsView } from '../http/request-stats.store.js';
import { OperationStatsService, type OperationStatsSnapshot } from '../operations/operation-stats.service.js';
import type { InstanceSnapshot } from './instance-snapshot.js';
import { MergedRequestStats, mergeOperations } from './merged-request-stats.js';
import type { MetricsSnapshotStorage } from './metrics-snapshot.storage.js';
import { round2 } from '../../common/rounding.js';

/** Injection token of the MetricsSnapshotStorage, or null when the host gave no Redis. */
export const METRICS_SNAPSHOT_STORAGE = Symbol('mentorhub:metrics:snapshot-storage');

export interface ClusterView {
  scope: 'cluster' | 'instance';
  redis: ClusterDto['redis'];
  requests: RequestStatsView;
  operations: OperationStatsSnapshot[];
  instances: InstanceDto[];
  /** When the other replicas' snapshots were read; null when they were not. */
  refreshedAt: Date | null;
}

/**
 * The cluster's view of the admin metrics. Every interval this replica publishes a snapshot of its
 * counters and histograms (kept for the TTL, so a dead replica drops out) and reads the others'
 * and the reset epoch in the same exchange; a view is this replica's live statistics merged with
 * the last snapshots read, so no request waits for Redis. While Redis fails, the view is this
 * replica alone, and says so. A reset starts a new epoch: every replica zeroes itself when it
 * sees it, and snapshots of an older epoch count as zero meanwhile.
 */
@Injectable()
export class ClusterMetricsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ClusterMetricsService.name);
  private timer?: NodeJS.Timeout;
  private exchanging = false;
  /** Unknown until the first exchange: a replica that starts after a reset adopts its epoch without zeroing. */
  private epoch?: number;
  private others: InstanceSnapshot[] = [];
  private refreshedAt: number | null = null;
  private state: ClusterDto['redis'];

  constructor(
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
    @Inject(METRICS_SNAPSHOT_STORAGE) private readonly storage: MetricsSnapshotStorage | null,
    private readonly requests: RequestStatsStore,
    private readonly operations: OperationStatsService,
  ) {
    this.state = storage ? 'unavailable' : 'not_configured';
  }

  onApplicationBootstrap(): void {
    if (!this.storage) return;
    void this.exchange();
    this.timer = setInterval(() => void this.exchange(), this.config.cluster.intervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    if (!this.storage) return;
    if (this.state === 'available') await this.storage.withdraw(this.config.instance).catch(() => undefined);
    await this.storage.close();
  }

  view(now = Date.now()): ClusterView {
    const fresh = this.state === 'available' && this.refreshedAt !== null && now - this.refreshedAt < this.config.cluster.ttlMs;
    if (!fresh) {
      return {
        scope: 'instance',
        redis: this.state,
        requests: this.requests,
        operations: this.operations.snapshot(),
        instances: [this.localSummary(now)],
        refreshedAt: null,
      };
    }
    const local = this.localSnapshot(now);
    const current = [local, ...this.others.filter((other) => other.epoch >= local.epoch)];
    return {
      scope: 'cluster',
      redis: this.state,
      requests: new MergedRequestStats(current.map((snapshot) => snapshot.requests)),
      operations: mergeOperations(current.map((snapshot) => snapshot.operations)),
      instances: [local, ...this.others]
        .map((snapshot) => this.summary(snapshot, current.includes(snapshot)))
        .sort((a, b) => a.instance.localeCompare(b.instance)),
      refreshedAt: new Date(this.refreshedAt!),
    };
  }

  /** Zeroes the view on every replica (a new epoch), or on this one alone while Redis is not there. */
  async reset(): Promise<'cluster' | 'instance'> {
    let scope: 'cluster' | 'instance' = 'instance';
    if (this.storage) {
      try {
        this.epoch = await this.storage.nextEpoch();
        scope = 'cluster';
      } catch (error) {
        this.markUnavailable(error);
      }
    }
    this.resetLocal();
    return scope;
  }

  private async exchange(): Promise<void> {
    // A frozen Redis holds an exchange up to the command timeout: the next tick skips rather than piling up.
    if (this.exchanging || !this.storage) return;
    this.exchanging = true;
    try {
      const { epoch, others } = await this.storage.exchange(this.localSnapshot(Date.now()), this.config.cluster.ttlMs);
      if (this.epoch !== undefined && epoch > this.epoch) {
        this.resetLocal();
        this.logger.log('Application metrics reset by another replica');
      }
      this.epoch = Math.max(epoch, this.epoch ?? 0);
      this.others = others;
      this.refreshedAt = Date.now();
      if (this.state !== 'available') this.logger.log('Cluster metrics: sharing snapshots through Redis');
      this.state = 'available';
    } catch (error) {
      this.markUnavailable(error);
    } finally {
      this.exchanging = false;
    }
  }

  private markUnavailable(error: unknown): void {
    if (this.state === 'available') {
      this.logger.warn(
        `Cluster metrics: Redis unavailable, showing this replica alone (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    this.state = 'unavailable';
  }

  private resetLocal(): void {
    this.requests.reset();
    this.operations.reset();
  }

  private localSnapshot(now: number): InstanceSnapshot {
    return {
      instance: this.config.instance,
      epoch: this.epoch ?? 0,
      publishedAt: now,
      requests: this.requests.toRecord(),
      operations: this.operations.toRecords(),
    };
  }

  private localSummary(now: number): InstanceDto {
    return {
      instance: this.config.instance,
      total_requests: this.requests.totals().requests,
      requests_per_second: this.requests.recentWindow().requestsPerSecond,
      last_seen: new Date(now).toISOString(),
    };
  }

  /** A replica whose last snapshot predates the latest reset is listed with zeroes until it publishes again. */
  private summary(snapshot: InstanceSnapshot, counted: boolean): InstanceDto {
    return {
      instance: snapshot.instance,
      total_requests: counted ? snapshot.requests.requests : 0,
      requests_per_second: counted ? round2(snapshot.requests.recent.requestsPerSecond) : 0,
      last_seen: new Date(snapshot.publishedAt).toISOString(),
    };
  }
}
