import { registerAs, type ConfigType } from '@nestjs/config';
import { isIP } from 'node:net';
import { appVersion } from '../common/config/app-version.js';
import { boolVar, ConfigError, enumVar, intVar, nodeEnv, optionalStringVar, stringVar } from '../common/config/env.util.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** HOST: the address to listen on, an IP address or a host name. */
function readHost(): string {
  const host = stringVar('HOST', '0.0.0.0');
  if (isIP(host) === 0 && !HOST_NAME.test(host)) {
    throw new ConfigError(`HOST must be an IP address or a host name, e.g. 0.0.0.0 or 127.0.0.1, got "${host}"`);
  }
  return host;
}

/** A browser origin as it sends it: http(s), host, optional port, nothing after. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** CORS_ORIGINS: the origins whose pages may call the API from a browser; none when unset. */
function readCorsOrigins(): string[] {
  const origins = (optionalStringVar('CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  const invalid = origins.find((origin) => !isOrigin(origin));
  if (invalid !== undefined) {
    throw new ConfigError(`CORS_ORIGINS must be comma-separated origins like https://app.example.com, got "${invalid}"`);
  }
  return origins;
}

export const appConfig = registerAs('app', () => ({
  version: appVersion(),
  /** The source revision the image was built from (the Dockerfile's APP_REVISION build argument). */
  revision: stringVar('APP_REVISION', 'unknown'),
  host: readHost(),
  port: intVar('PORT', 8000, { min: 0, max: 65535 }),
  corsOrigins: readCorsOrigins(),
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
