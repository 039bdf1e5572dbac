import type { Metric, Registry } from 'prom-client';
import { HTTP_DURATION_METRIC } from '../metrics.constants.js';

/** Buckets the OpenTelemetry HTTP semantic conventions recommend for this histogram, in seconds. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Methods OpenTelemetry names as they are; anything else is reported as `_OTHER`. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

type Labels = Record<string, string | number>;

class Series {
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly counts = new Float64Array(HTTP_DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(readonly labels: Labels) {}
}

interface MetricValue {
  metricName: string;
  labels: Labels;
  value: number;
}

/**
 * `http_server_request_duration_seconds` (OpenTelemetry names and labels), exposed through the
 * shared prom-client registry as a metric object of its own. prom-client's Histogram hashes and
 * validates the label set on every observe (several µs per request on a busy server); here a
 * request is three map lookups on values the middleware already has and one bucket increment.
 * Series are bounded by the routes, methods and status codes the app answers with.
 */
export class HttpDurationHistogram {
  readonly name = HTTP_DURATION_METRIC;
  readonly help = 'Duration of HTTP server requests, by method, route template and status code.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** route (undefined: none matched) → method → status code → series. */
  private readonly series = new Map<string | undefined, Map<string, Map<number, Series>>>();

  constructor(registry: Registry) {
    registry.registerMetric(this as unknown as Metric);
  }

  observe(rawMethod: string, route: string | undefined, status: number, seconds: number): void {
    // Keyed by the label, not the raw method: PROPFIND and LOCK must share one `_OTHER` series, or
    // the exposition would hold duplicate samples and Prometheus would reject the whole scrape.
    const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : '_OTHER';
    let byMethod = this.series.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.series.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(status);
    if (!series) {
      // OpenTelemetry leaves http.route out when no route matched.
      const labels: Labels =
        route === undefined
          ? { http_request_method: method, http_response_status_code: status }
          : { http_request_method: method, http_route: route, http_response_status_code: status };
      series = new Series(labels);
      byStatus.set(status, series);
    }
    let bucket = 0;
    while (bucket < HTTP_DURATION_BUCKETS.length && seconds > HTTP_DURATION_BUCKETS[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += seconds;
    series.count++;
  }

  /** prom-client calls this when rendering the exposition. */
  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const byMethod of this.series.values()) {
      for (const byStatus of byMethod.values()) {
        for (const series of byStatus.values()) {
          let cumulative = 0;
          HTTP_DURATION_BUCKETS.forEach((le, index) => {
            cumulative += series.counts[index];
            values.push({ metricName: `${this.name}_bucket`, labels: { le, ...series.labels }, value: cumulative });
          });
          values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...series.labels }, value: series.count });
          values.push({ metricName: `${this.name}_sum`, labels: series.labels, value: series.sum });
          values.push({ metricName: `${this.name}_count`, labels: series.labels, value: series.count });
        }
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** For registry.resetMetrics() only; the admin reset never calls it (Prometheus counters stay monotonic). */
  reset(): void {
    this.series.clear();
  }
}
