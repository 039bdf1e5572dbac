import { registerAs, type ConfigType } from '@nestjs/config';
import { boolVar, enumVar, intVar, nodeEnv, stringVar } from '../common/config/env.util.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

export const appConfig = registerAs('app', () => ({
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
