import { registerAs, type ConfigType } from '@nestjs/config';
import { hostname } from 'node:os';
import { boolVar, enumVar, intVar, stringVar } from './env.util.js';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

export const appConfig = registerAs('app', () => {
  const nodeEnv = enumVar('NODE_ENV', NODE_ENVS, 'development');
  return {
    nodeEnv,
    port: intVar('PORT', 8000, { min: 0, max: 65535 }),
    logLevel: enumVar('LOG_LEVEL', LOG_LEVELS, 'log'),
    logFile: stringVar('LOG_FILE', 'logs/app.log'),
    logToFile: boolVar('LOG_TO_FILE', true),
    // Demo users share a published password: never added in production unless asked for.
    demoData: boolVar('DEMO_DATA', nodeEnv !== 'production'),
    swagger: boolVar('SWAGGER_ENABLED', true),
    // Behind a load balancer, how many proxy hops to trust for the client address (req.ip), which
    // the login rate limit is keyed by; 0 trusts none (direct connections).
    trustProxyHops: intVar('TRUST_PROXY_HOPS', 0, { min: 0, max: 10 }),
    /** This replica's id in admin views (backup status and journal, lock messages). */
    instanceId: stringVar('INSTANCE_ID', hostname()),
  };
});

export type AppConfig = ConfigType<typeof appConfig>;
