import { registerAs, type ConfigType } from '@nestjs/config';
import { readFileSync } from 'node:fs';
import { boolVar, enumVar, intVar, nodeEnv, stringVar } from '../common/config/env.util.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

/** The version in package.json, which sits two folders above this file in src/ and dist/ alike. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export const appConfig = registerAs('app', () => ({
  version: packageVersion(),
  /** The source revision the image was built from (the Dockerfile's APP_REVISION build argument). */
  revision: stringVar('APP_REVISION', 'unknown'),
  port: intVar('PORT', 8000, { min: 0, max: 65535 }),
  logLevel: enumVar('LOG_LEVEL', LOG_LEVELS, 'log'),
  logFile: stringVar('LOG_FILE', 'logs/app.log'),
  logToFile: boolVar('LOG_TO_FILE', true),
  // Demo users share a published password: never added in production unless asked for.
  demoData: boolVar('DEMO_DATA', nodeEnv() !== 'production'),
  swagger: boolVar('SWAGGER_ENABLED', true),
  // Behind a load balancer, how many proxy hops to trust for the client address (req.ip), which
  // the login rate limit is keyed by; 0 trusts none (direct connections).
  trustProxyHops: intVar('TRUST_PROXY_HOPS', 0, { min: 0, max: 10 }),
}));

export type AppConfig = ConfigType<typeof appConfig>;
