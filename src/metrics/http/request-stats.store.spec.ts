import { ANY_METHOD, OVERFLOW_ENDPOINT, UNMATCHED_ENDPOINT } from '../metrics.constants.js';
import { RequestStatsStore } from './request-stats.store.js';

describe('RequestStatsStore', () => {
  let clock: number;
  let store: RequestStatsStore;

  beforeEach(() => {
    clock = 1_000_000;
    store = new RequestStatsStore({ maxSeries: 3, now: () => clock });
  });

  const find = (method: string, endpoint: string) => store.endpoints().find((e) => e.method === method && e.endpoint === endpoint);

  it('counts totals, 5xx errors, 4xx client errors and aborted requests', () => {
    store.record('GET', '/a', 200, 10);
    store.record('GET', '/a', 404, 20);
    store.record('GET', '/a', 500, 30);
    store.record('POST', '/a', 503, 40);
    store.record('GET', '/a', 499, 5, true);
    expect(store.totals()).toMatchObject({ requests: 5, errors: 2, clientErrors: 2, aborted: 1, errorRatePercent: 40, series: 2 });
    expect(find('GET', '/a')).toMatchObject({
      count: 4,
      errors: 1,
      clientErrors: 2,
      avgMs: 16.25,
      maxMs: 30,
      statuses: { 200: 1, 404: 1, 499: 1, 500: 1 },
    });
    expect(find('POST', '/a')).toMatchObject({ count: 1, errors: 1, avgMs: 40, maxMs: 40 });
  });

  it('puts every unmatched request in one bucket that does not count against the cap', () => {
    for (let i = 0; i < 100; i++) store.record(i % 2 ? 'GET' : 'DELETE', undefined, 404, 1);
    expect(store.endpoints()).toEqual([expect.objectContaining({ method: ANY_METHOD, endpoint: UNMATCHED_ENDPOINT, count: 100 })]);
    expect(store.totals().series).toBe(0);
  });

  it('sends new series beyond the cap to the overflow bucket and counts them', () => {
    for (const route of ['/a', '/b', '/c', '/d', '/e']) store.record('GET', route, 200, 1);
    store.record('GET', '/a', 200, 1);
    expect(store.totals()).toMatchObject({ series: 3, overflowed: 2, requests: 6 });
    expect(find(ANY_METHOD, OVERFLOW_ENDPOINT)).toMatchObject({ count: 2 });
    expect(find('GET', '/a')).toMatchObject({ count: 2 });
  });

  it('computes the recent window over the last 60 seconds and the lifetime average', () => {
    for (let i = 0; i < 30; i++) store.record('GET', '/a', i < 3 ? 500 : 200, 1);
    clock += 10_000;
    expect(store.recentWindow()).toEqual({ windowSeconds: 60, requests: 30, errors: 3, errorRatePercent: 10, requestsPerSecond: 3 });
    clock += 49_000;
    for (let i = 0; i < 60; i++) store.record('GET', '/a', 200, 1);
    // 59 s after the first burst both are in the window; one second later the first has left it.
    expect(store.recentWindow()).toMatchObject({ requests: 90, errors: 3 });
    clock += 1_000;
    expect(store.recentWindow()).toMatchObject({ requests: 60, errors: 0, errorRatePercent: 0, requestsPerSecond: 1 });
    clock += 120_000;
    expect(store.recentWindow()).toMatchObject({ requests: 0, requestsPerSecond: 0 });
    expect(store.totals()).toMatchObject({ requests: 90, requestsPerSecond: 0.5 });
  });

  it('leaves probe routes out of the recent window but not out of the totals', () => {
    const probes = new RequestStatsStore({ maxSeries: 10, now: () => clock, isProbe: (route) => route.startsWith('/health') });
    probes.record('GET', '/health/ready', 503, 1);
    probes.record('GET', '/a', 200, 1);
    expect(probes.recentWindow()).toMatchObject({ requests: 1, errors: 0 });
    expect(probes.totals()).toMatchObject({ requests: 2, errors: 1 });
  });

  it('reset zeroes counters, series and the window', () => {
    store.record('GET', '/a', 500, 1);
    store.record('GET', undefined, 404, 1);
    clock += 5_000;
    store.reset();
    expect(store.endpoints()).toEqual([]);
    expect(store.totals()).toMatchObject({ requests: 0, errors: 0, series: 0, overflowed: 0 });
    expect(store.recentWindow()).toMatchObject({ requests: 0, errors: 0 });
  });
});
