import { registerAs, type ConfigType } from '@nestjs/config';
import { intVar } from '../common/config/env.util.js';

export const dashboardConfig = registerAs('dashboard', () => ({
  /** Period of the live stream's events; one snapshot per period is built, however many clients listen. */
  streamIntervalMs: intVar('DASHBOARD_STREAM_INTERVAL_MS', 1000, { min: 100, max: 60_000 }),
}));

export type DashboardConfig = ConfigType<typeof dashboardConfig>;
