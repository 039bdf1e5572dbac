import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type MessageEvent, type OnModuleInit } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { exhaustMap, filter, map, merge, NEVER, Observable, ReplaySubject, share, takeUntil, timer } from 'rxjs';
import { GracefulShutdownService } from '../health/graceful-shutdown.service.js';
import { PROMETHEUS_REGISTRY } from '../metrics/metrics.constants.js';
import { dashboardConfig, type DashboardConfig } from './admin-dashboard.config.js';
import { SNAPSHOT_EVENT } from './admin-dashboard.constants.js';
import type { DashboardSnapshotDto } from './admin-dashboard.dto.js';
import { DashboardSnapshotService } from './dashboard-snapshot.service.js';

/** How long a client waits before reconnecting after the stream ends (the `retry:` field of the first event). */
const RETRY_MS = 2000;

/**
 * One producer for every dashboard client: a timer that builds one snapshot per interval and
 * shares it. The timer starts with the first client and stops with the last one (refCount), so
 * N open dashboards cost one snapshot per interval and none cost nothing. A client that joins
 * mid-interval is sent the latest snapshot at once. Open streams end when the server stops
 * accepting connections (SIGTERM) or the app closes, so shutdown never waits on them.
 */
@Injectable()
export class DashboardStreamService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(DashboardStreamService.name);
  private readonly shared: Observable<DashboardSnapshotDto>;
  /** Replays its one value, so a stream subscribed after shutdown began ends at once too. */
  private readonly closing = new ReplaySubject<void>(1);
  private closed = false;
  private sequence = 0;
  private clientCount = 0;

  constructor(
    @Inject(dashboardConfig.KEY) private readonly config: DashboardConfig,
    private readonly snapshots: DashboardSnapshotService,
    private readonly shutdown: GracefulShutdownService,
    @Inject(PROMETHEUS_REGISTRY) registry: Registry,
  ) {
    const interval = config.streamIntervalMs;
    this.shared = timer(0, interval).pipe(
      // A snapshot slower than the interval (a health check near its timeout) skips ticks instead of piling up.
      exhaustMap(() => this.build()),
      filter((snapshot) => snapshot !== null),
      share({ connector: () => new ReplaySubject(1), resetOnRefCountZero: true, resetOnComplete: true, resetOnError: true }),
    );
    const openStreams = () => this.clientCount;
    new Gauge({
      name: 'mentorhub_dashboard_stream_clients',
      help: 'Open live-dashboard streams (GET /api/v1/admin/metrics/stream)',
      registers: [registry],
      collect() {
        this.set(openStreams());
      },
    });
  }

  onModuleInit(): void {
    this.shutdown.stoppingSignal.addEventListener('abort', () => this.closeStreams(), { once: true });
  }

  beforeApplicationShutdown(): void {
    this.closeStreams();
  }

  /** Open streams. */
  get clients(): number {
    return this.clientCount;
  }

  /**
   * One client's events: the shared snapshots as SSE messages, the first one with the reconnection
   * delay. The token was checked once, at connect: the stream ends when it expires, so the page
   * reconnects and signs in again (and a deleted or demoted admin's stream ends by then too).
   */
  stream(tokenExpiresAt?: number): Observable<MessageEvent> {
    const tokenExpired = tokenExpiresAt === undefined ? NEVER : timer(new Date(tokenExpiresAt));
    return new Observable<DashboardSnapshotDto>((subscriber) => {
      this.clientCount++;
      const subscription = this.shared.pipe(takeUntil(merge(this.closing, tokenExpired))).subscribe(subscriber);
      return () => {
        this.clientCount--;
        subscription.unsubscribe();
      };
    }).pipe(
      map((snapshot, index) => ({
        id: String(snapshot.sequence),
        type: SNAPSHOT_EVENT,
        data: snapshot,
        ...(index === 0 ? { retry: RETRY_MS } : {}),
      })),
    );
  }

  private async build(): Promise<DashboardSnapshotDto | null> {
    try {
      const snapshot = await this.snapshots.build();
      return { sequence: ++this.sequence, interval_ms: this.config.streamIntervalMs, ...snapshot };
    } catch (error) {
      // One failed snapshot must not end every client's stream; the next tick tries again.
      this.logger.error(`Dashboard snapshot failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  private closeStreams(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.clientCount > 0) this.logger.log(`Ending ${this.clientCount} dashboard stream(s)`);
    this.closing.next();
    this.closing.complete();
  }
}
