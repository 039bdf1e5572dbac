import { RequestStatsStore } from '../http/request-stats.store.js';
import { OperationStatsService } from '../operations/operation-stats.service.js';
import { MergedRequestStats, mergeOperations } from './merged-request-stats.js';

describe('MergedRequestStats', () => {
  let clock: number;
  const store = () => new RequestStatsStore({ maxSeries: 10, now: () => clock, isProbe: (route) => route.startsWith('/health') });
  const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value));

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('adds up totals, statuses and recent rates, and takes percentiles from the summed histograms', () => {
    const [a, b, c] = [store(), store(), store()];
    const everything = store();
    const record = (target: RequestStatsStore, status: number, ms: number, route = '/api/v1/mentors') => {
      target.record('GET', route, status, ms);
      everything.record('GET', route, status, ms);
    };
    for (let i = 0; i < 90; i++) record(a, 200, 10 + i);
    for (let i = 0; i < 10; i++) record(b, 500, 2000 + i);
    record(c, 404, 1, '/api/v1/courses');
    record(c, 200, 1, '/health/ready');
    clock += 10_000;
    const merged = new MergedRequestStats(
      [a, b, c].map((s) => roundTrip(s.toRecord())),
      () => Date.now(),
    );

    expect(merged.totals()).toMatchObject({ requests: 102, errors: 10, clientErrors: 1, errorRatePercent: 9.8, series: 3 });
    expect(merged.recentWindow()).toMatchObject({ requests: 101, errors: 10, errorRatePercent: 9.9 });
    expect(merged.recentWindow().requestsPerSecond).toBeCloseTo(
      [a, b, c].reduce((sum, s) => sum + s.recentWindow().requestsPerSecond, 0),
      2,
    );
    const mentors = merged.endpoints().find((e) => e.endpoint === '/api/v1/mentors')!;
    const expected = everything.endpoints().find((e) => e.endpoint === '/api/v1/mentors')!;
    expect(mentors).toEqual(expected);
    expect(mentors).toMatchObject({ count: 100, errors: 10, statuses: { 200: 90, 500: 10 } });
    // An average of the replicas' p95 (one near 95 ms, one near 2 s) would be neither.
    expect(mentors.p95Ms).toBeGreaterThan(2000);
  });
});

describe('mergeOperations', () => {
  it('sums counts, errors, slow calls and durations per name', () => {
    const config = { enabled: true, slowMs: 100, maxSeries: 10 } as never;
    const registry = { registerMetric: () => undefined } as never;
    const services = [new OperationStatsService(config, registry), new OperationStatsService(config, registry)];
    services[0].record('db', 50, false, undefined);
    services[1].record('db', 150, true, undefined);
    services[1].record('mail', 5, false, undefined);
    const merged = mergeOperations(services.map((service) => service.toRecords()));
    expect(merged.find((op) => op.name === 'db')).toMatchObject({ count: 2, errors: 1, slow: 1, avgMs: 100, maxMs: 150 });
    expect(merged.find((op) => op.name === 'mail')).toMatchObject({ count: 1 });
  });
});
