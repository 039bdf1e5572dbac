/** Response of GET /api/v1/admin/metrics. The snake_case names are a contract with dashboards and scripts. */
export interface SlowEndpointDto {
  endpoint: string;
  method: string;
  avg_ms: number;
  max_ms: number;
  p95_ms: number;
  count: number;
}

export interface PopularEndpointDto {
  endpoint: string;
  method: string;
  calls: number;
}

export interface EndpointStatsDto {
  endpoint: string;
  method: string;
  count: number;
  errors: number;
  client_errors: number;
  avg_ms: number;
  max_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  statuses: Record<string, number>;
}

export interface OperationStatsDto {
  name: string;
  count: number;
  errors: number;
  slow: number;
  avg_ms: number;
  max_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

/** One live replica, as its last snapshot (or, for the one answering, its live figures) describes it. */
export interface InstanceDto {
  instance: string;
  total_requests: number;
  requests_per_second: number;
  last_seen: string;
}

/** What the application figures, the endpoint lists and the operations cover. */
export interface ClusterDto {
  /** `cluster`: every live replica; `instance`: the one that answered. */
  scope: 'cluster' | 'instance';
  redis: 'not_configured' | 'available' | 'unavailable';
  message: string;
  /** When the other replicas' snapshots were read; null in the single-process view. */
  refreshed_at: string | null;
}

export interface AdminMetricsDto {
  timestamp: string;
  /** The replica that answered (INSTANCE_ID). */
  instance: string;
  /** What mentorhub_build_info says: package version, source revision, Node.js version. */
  build: { version: string; revision: string; node_version: string };
  uptime_seconds: number;
  system: {
    cpu_percent: number;
    memory_percent: number;
    memory_used_mb: number;
    memory_total_mb: number;
    disk_percent: number;
    disk_used_gb: number;
    disk_total_gb: number;
    process_cpu_percent: number;
    cpu_cores: number;
    memory_cgroup_limit: boolean;
    disk_path: string;
    disk_error?: string;
    event_loop_lag_ms: number;
    event_loop_lag_p99_ms: number;
    event_loop_lag_max_ms: number;
    process_memory: { rss_mb: number; heap_used_mb: number; heap_total_mb: number; external_mb: number };
    sampled_at: string | null;
  };
  application: {
    total_requests: number;
    total_errors: number;
    error_rate_percent: number;
    requests_per_second: number;
    total_client_errors: number;
    aborted_requests: number;
    requests_per_second_lifetime: number;
    recent_window: { seconds: number; requests: number; errors: number; error_rate_percent: number };
    since: string;
    endpoint_series: number;
    overflowed_requests: number;
    recording_enabled: boolean;
  };
  slow_endpoints: SlowEndpointDto[];
  popular_endpoints: PopularEndpointDto[];
  endpoints: EndpointStatsDto[];
  operations: OperationStatsDto[];
  instances: InstanceDto[];
  cluster: ClusterDto;
  /** Sections other modules registered (cache, backup, …) are merged in at the top level. */
  [section: string]: unknown;
}

export interface MetricsResetDto {
  reset_at: string;
  /** `cluster`: every replica zeroes its view; `instance`: this one only (Redis unreachable or not configured). */
  scope: 'cluster' | 'instance';
}
