import { Registry } from 'prom-client';
import { HTTP_DURATION_BUCKETS, HttpDurationHistogram } from './http-duration.histogram.js';

const METRIC = 'http_server_request_duration_seconds';

async function exposition(observe: (histogram: HttpDurationHistogram) => void): Promise<string[]> {
  const registry = new Registry();
  observe(new HttpDurationHistogram(registry));
  return (await registry.metrics()).split('\n').filter((line) => line !== '');
}

describe('HttpDurationHistogram', () => {
  it('folds unusual methods into one _OTHER series, so the exposition never holds duplicate samples', async () => {
    const lines = await exposition((histogram) => {
      histogram.observe('PROPFIND', undefined, 404, 0.001);
      histogram.observe('LOCK', undefined, 404, 0.002);
      histogram.observe('GET', '/api/v1/mentors', 200, 0.003);
    });
    expect(lines.filter((line) => line.startsWith(`${METRIC}_count`))).toEqual([
      `${METRIC}_count{http_request_method="_OTHER",http_response_status_code="404"} 2`,
      `${METRIC}_count{http_request_method="GET",http_route="/api/v1/mentors",http_response_status_code="200"} 1`,
    ]);
  });

  it('exposes cumulative buckets (each counts every request at or below its bound), the sum and the count', async () => {
    const lines = await exposition((histogram) => {
      for (const seconds of [0.004, 0.005, 0.03, 0.03, 0.6, 11]) histogram.observe('GET', '/r', 200, seconds);
    });
    const labels = 'http_request_method="GET",http_route="/r",http_response_status_code="200"';
    const expected: Record<string, number> = { 0.005: 2, 0.01: 2, 0.025: 2, 0.05: 4, 0.075: 4, 0.1: 4, 0.25: 4, 0.5: 4 };
    expect(lines).toEqual([
      `# HELP ${METRIC} Duration of HTTP server requests, by method, route template and status code.`,
      `# TYPE ${METRIC} histogram`,
      ...HTTP_DURATION_BUCKETS.map((le) => `${METRIC}_bucket{le="${le}",${labels}} ${expected[le] ?? 5}`),
      `${METRIC}_bucket{le="+Inf",${labels}} 6`,
      `${METRIC}_sum{${labels}} 11.669`,
      `${METRIC}_count{${labels}} 6`,
    ]);
  });

  it('keeps one series per route, method and status, and leaves the route out when none matched', async () => {
    const lines = await exposition((histogram) => {
      histogram.observe('GET', '/a', 200, 0.001);
      histogram.observe('GET', '/a', 500, 0.001);
      histogram.observe('POST', '/a', 200, 0.001);
      histogram.observe('GET', '/b', 200, 0.001);
      histogram.observe('GET', undefined, 404, 0.001);
      histogram.observe('GET', '/a', 200, 0.001);
    });
    expect(lines.filter((line) => line.startsWith(`${METRIC}_count`))).toEqual([
      `${METRIC}_count{http_request_method="GET",http_route="/a",http_response_status_code="200"} 2`,
      `${METRIC}_count{http_request_method="GET",http_route="/a",http_response_status_code="500"} 1`,
      `${METRIC}_count{http_request_method="POST",http_route="/a",http_response_status_code="200"} 1`,
      `${METRIC}_count{http_request_method="GET",http_route="/b",http_response_status_code="200"} 1`,
      `${METRIC}_count{http_request_method="GET",http_response_status_code="404"} 1`,
    ]);
  });

  it('forgets every series on a registry reset, and sums across workers when aggregated', async () => {
    const registry = new Registry();
    const histogram = new HttpDurationHistogram(registry);
    expect(histogram.get()).toMatchObject({ name: METRIC, type: 'histogram', aggregator: 'sum' });
    histogram.observe('GET', '/a', 200, 0.001);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain(`${METRIC}_count`);
  });
});
