import { authConfig } from '../auth/auth.config.js';
import { cacheConfig } from '../cache/cache.config.js';
import { databaseConfig } from '../database/database.config.js';
import { appConfig } from './app.config.js';

/** Every module's config namespace; each factory validates its variables. */
export const CONFIG_NAMESPACES = [appConfig, databaseConfig, authConfig, cacheConfig];

/** Runs every namespace's validation, so a bad variable stops the start before anything else happens. */
export function validateConfiguration(): void {
  for (const load of CONFIG_NAMESPACES) load();
}
