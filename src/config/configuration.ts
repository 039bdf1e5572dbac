import { dashboardConfig } from '../admin-dashboard/admin-dashboard.config.js';
import { authConfig } from '../auth/auth.config.js';
import { backupConfig } from '../backup/backup.config.js';
import { cacheConfig } from '../cache/config/cache.config.js';
import { databaseConfig } from '../database/database.config.js';
import { healthConfig } from '../health/config/health.config.js';
import { metricsConfig } from '../metrics/config/metrics.config.js';
import { sentryConfig } from '../sentry/sentry.config.js';
import { appConfig } from './app.config.js';

/** Every module's config namespace; each factory validates its variables. */
export const CONFIG_NAMESPACES = [
  appConfig,
  databaseConfig,
  authConfig,
  metricsConfig,
  healthConfig,
  backupConfig,
  cacheConfig,
  sentryConfig,
  dashboardConfig,
];

/** Runs every namespace's validation, so a bad variable stops the start before anything else happens. */
export function validateConfiguration(): void {
  for (const load of CONFIG_NAMESPACES) load();
}
