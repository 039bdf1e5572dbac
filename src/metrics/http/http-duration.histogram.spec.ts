import { Registry } from 'prom-client';
import { HttpDurationHistogram } from './http-duration.histogram.js';

describe('HttpDurationHistogram', () => {
  it('folds unusual methods into one _OTHER series, so the exposition never holds duplicate samples', async () => {
    const registry = new Registry();
    const histogram = new HttpDurationHistogram(registry);
    histogram.observe('PROPFIND', undefined, 404, 0.001);
    histogram.observe('LOCK', undefined, 404, 0.002);
    histogram.observe('GET', '/api/v1/mentors', 200, 0.003);
    const text = await registry.metrics();
    const counts = text.split('\n').filter((line) => line.startsWith('http_server_request_duration_seconds_count'));
    expect(counts).toEqual([
      'http_server_request_duration_seconds_count{http_request_method="_OTHER",http_response_status_code="404"} 2',
      'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/api/v1/mentors",http_response_status_code="200"} 1',
    ]);
  });
});
