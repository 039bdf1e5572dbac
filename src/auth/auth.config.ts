import { registerAs, type ConfigType } from '@nestjs/config';
import { isEmail } from 'class-validator';
import { ConfigError, intVar, nodeEnv, optionalStringVar, PLACEHOLDER_SECRET } from '../common/config/env.util.js';
import { databaseConfig } from '../database/database.config.js';
import { localJwtSecret, localJwtSecretPath } from './local-jwt-secret.js';

const MIN_PRODUCTION_SECRET_LENGTH = 32;

function readJwtSecret(production: boolean): string {
  const jwtSecret = optionalStringVar('JWT_SECRET');
  if (jwtSecret === undefined) {
    if (production) throw new ConfigError('JWT_SECRET must be set to a random secret of 32+ characters when NODE_ENV=production');
    return localJwtSecret(localJwtSecretPath(databaseConfig().connection));
  }
  if (production && jwtSecret.length < MIN_PRODUCTION_SECRET_LENGTH) {
    throw new ConfigError(`JWT_SECRET must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters when NODE_ENV=production`);
  }
  if (production && PLACEHOLDER_SECRET.test(jwtSecret)) {
    throw new ConfigError('JWT_SECRET is still the placeholder from the example files; set a random secret');
  }
  return jwtSecret;
}

function readAdmin(production: boolean): { email: string; password: string } | undefined {
  const adminEmail = optionalStringVar('ADMIN_EMAIL')?.toLowerCase();
  const adminPassword = optionalStringVar('ADMIN_PASSWORD');
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  // The same rule as the login form, or the admin could be created but never sign in.
  if (adminEmail !== undefined && !isEmail(adminEmail)) {
    throw new ConfigError('ADMIN_EMAIL must be an email address with a domain, e.g. admin@example.com');
  }
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD must be at least 8 characters');
  }
  if (production && adminPassword !== undefined && PLACEHOLDER_SECRET.test(adminPassword)) {
    throw new ConfigError('ADMIN_PASSWORD is still the placeholder from the example files');
  }
  return adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : undefined;
}

export const authConfig = registerAs('auth', () => {
  const production = nodeEnv() === 'production';
  return {
    production,
    jwtSecret: readJwtSecret(production),
    jwtExpiresInSeconds: intVar('JWT_EXPIRES_IN', 3600, { min: 60, max: 30 * 24 * 3600 }),
    /** Login attempts per minute per client address: each one costs a scrypt derivation (16 MiB, some CPU). */
    loginRateLimit: intVar('LOGIN_RATE_LIMIT', 10, { min: 1, max: 100_000 }),
    admin: readAdmin(production),
  };
});

export type AuthConfig = ConfigType<typeof authConfig>;
