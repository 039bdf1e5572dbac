import { hostname } from 'node:os';
import { ConfigError } from '../../common/config/env.util.js';
import { DEFAULT_EXCLUDED_PREFIXES, metricsConfig, parsePrefixList } from './metrics.config.js';

describe('metrics config', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('has the documented defaults', () => {
    for (const name of Object.keys(process.env).filter((key) => key.startsWith('METRICS_'))) delete process.env[name];
    expect(metricsConfig()).toEqual({
      instance: hostname(),
      enabled: true,
      slowMs: 500,
      token: undefined,
      sampleIntervalMs: 5000,
      maxSeries: 200,
      excludedPrefixes: ['/api/v1/health', '/metrics', '/api/v1/admin/metrics/stream', '/admin/dashboard'],
      diskPath: undefined,
      cluster: { intervalMs: 1000, ttlMs: 5000 },
    });
    expect(DEFAULT_EXCLUDED_PREFIXES).toBe('/api/v1/health,/metrics,/api/v1/admin/metrics/stream,/admin/dashboard');
  });

  it("refuses the example files' METRICS_TOKEN in production only", () => {
    process.env.METRICS_TOKEN = 'replace-with-a-random-token-for-prometheus';
    process.env.NODE_ENV = 'development';
    expect(metricsConfig().token).toBe('replace-with-a-random-token-for-prometheus');
    process.env.NODE_ENV = 'production';
    expect(() => metricsConfig()).toThrow(
      new ConfigError('METRICS_TOKEN is still the placeholder from the example files; set a random token'),
    );
    process.env.METRICS_TOKEN = '9d8c7b6a5f4e3d2c1b0a';
    expect(metricsConfig().token).toBe('9d8c7b6a5f4e3d2c1b0a');
  });

  it('normalises prefixes and refuses bad values naming the variable', () => {
    expect(parsePrefixList('X', ' api/v1/health/ , /metrics,,/internal/')).toEqual(['/api/v1/health', '/metrics', '/internal']);
    process.env.METRICS_SLOW_MS = 'fast';
    expect(() => metricsConfig()).toThrow(new ConfigError('METRICS_SLOW_MS must be an integer between 1 and 3600000, got "fast"'));
    delete process.env.METRICS_SLOW_MS;
    process.env.METRICS_ENABLED = 'maybe';
    expect(() => metricsConfig()).toThrow(/METRICS_ENABLED must be true or false/);
  });
});
