import { Registry } from 'prom-client';
import type { ClusterMetricsService, ClusterView } from './cluster/cluster-metrics.service.js';
import type { MetricsConfig } from './config/metrics.config.js';
import { RequestStatsStore } from './http/request-stats.store.js';
import { MetricsSectionsRegistry } from './metrics-sections.registry.js';
import { MetricsService } from './metrics.service.js';
import { SystemMetricsService } from './system/system-metrics.service.js';
import type { SystemProbe } from './system/system.probe.js';

describe('MetricsService', () => {
  const config = { instance: 'a', enabled: true, slowMs: 500, excludedPrefixes: [], sampleIntervalMs: 1000 } as unknown as MetricsConfig;

  /** The admin view's cluster section, for a cluster view of this scope and Redis state. */
  function clusterSection(scope: ClusterView['scope'], redis: ClusterView['redis']) {
    const view: ClusterView = {
      scope,
      redis,
      requests: new RequestStatsStore({ maxSeries: 50 }),
      operations: [],
      instances: [],
      refreshedAt: scope === 'cluster' ? new Date() : null,
    };
    const service = new MetricsService(
      config,
      new Registry(),
      { view: () => view } as unknown as ClusterMetricsService,
      new SystemMetricsService({ cpuCount: () => 2 } as unknown as SystemProbe, config),
      new MetricsSectionsRegistry(),
      { info: { version: '1.0.0', revision: 'abc', node_version: process.version } },
    );
    return service.snapshot().cluster;
  }

  it('says the view covers every live replica only when it does, and why it covers this one alone otherwise', () => {
    expect(clusterSection('cluster', 'available').message).toBe('Every live replica, merged through Redis');
    expect(clusterSection('instance', 'not_configured').message).toBe('This replica alone: REDIS_URL is not set');
    expect(clusterSection('instance', 'unavailable').message).toBe('This replica alone: Redis is unreachable');
    expect(clusterSection('instance', 'available')).toMatchObject({
      scope: 'instance',
      message: "This replica alone: the other replicas' snapshots have not been read from Redis recently",
    });
  });
});
