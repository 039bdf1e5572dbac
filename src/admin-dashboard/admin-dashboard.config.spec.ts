import { ConfigError } from '../common/config/env.util.js';
import { dashboardConfig } from './admin-dashboard.config.js';

describe('dashboard config', () => {
  const saved = process.env.DASHBOARD_STREAM_INTERVAL_MS;
  afterEach(() => {
    if (saved === undefined) delete process.env.DASHBOARD_STREAM_INTERVAL_MS;
    else process.env.DASHBOARD_STREAM_INTERVAL_MS = saved;
  });

  it('sends an event a second by default', () => {
    delete process.env.DASHBOARD_STREAM_INTERVAL_MS;
    expect(dashboardConfig()).toEqual({ streamIntervalMs: 1000 });
  });

  it('takes DASHBOARD_STREAM_INTERVAL_MS and refuses values that are not a sane period, naming the variable', () => {
    process.env.DASHBOARD_STREAM_INTERVAL_MS = '2000';
    expect(dashboardConfig().streamIntervalMs).toBe(2000);
    for (const bad of ['0', '50', '1.5', 'fast', '600000']) {
      process.env.DASHBOARD_STREAM_INTERVAL_MS = bad;
      expect(() => dashboardConfig()).toThrow(
        new ConfigError(`DASHBOARD_STREAM_INTERVAL_MS must be an integer between 100 and 60000, got "${bad}"`),
      );
    }
  });
});
