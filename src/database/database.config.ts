import { registerAs, type ConfigType } from '@nestjs/config';
import { ConfigError, intVar, stringVar } from '../common/config/env.util.js';

export type DatabaseEngine = 'sqlite' | 'postgres';

export interface SqliteConnection {
  engine: 'sqlite';
  /** Path of the database file, relative to the working directory unless absolute. */
  path: string;
}

export interface PostgresConnection {
  engine: 'postgres';
  url: string;
  database: string;
}

export type DatabaseConnection = SqliteConnection | PostgresConnection;

export const DEFAULT_DATABASE_URL = 'sqlite:data/mentorhub.sqlite';

export function parseDatabaseUrl(raw: string): DatabaseConnection {
  if (raw.startsWith('sqlite:')) {
    const rest = raw.slice('sqlite:'.length);
    // sqlite:relative/path or sqlite:///absolute/path; "sqlite://x" is ambiguous and refused.
    const path = rest.startsWith('///') ? rest.slice(2) : rest;
    if (path === '' || (path.startsWith('//') && !rest.startsWith('///'))) {
      throw new ConfigError('DATABASE_URL must be sqlite:<relative path> or sqlite:///<absolute path>, e.g. sqlite:data/mentorhub.sqlite');
    }
    if (path === ':memory:') throw new ConfigError('DATABASE_URL cannot be an in-memory SQLite database: its data would be lost at exit');
    return { engine: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL');
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!url.hostname || !database) {
      throw new ConfigError('DATABASE_URL must name a host and a database, e.g. postgres://user@localhost:5432/mentorhub');
    }
    return { engine: 'postgres', url: raw, database };
  }
  const scheme = raw.split(':')[0];
  throw new ConfigError(`DATABASE_URL must start with sqlite: or postgres://, got a "${scheme}:" URL`);
}

export const databaseConfig = registerAs('database', () => ({
  connection: parseDatabaseUrl(stringVar('DATABASE_URL', DEFAULT_DATABASE_URL)),
  // At least 2, so one long transaction never holds up every other query.
  poolSize: intVar('DATABASE_POOL_SIZE', 10, { min: 2, max: 200 }),
  queryTimeoutMs: intVar('DATABASE_QUERY_TIMEOUT_MS', 15_000, { min: 100, max: 600_000 }),
}));

export type DatabaseConfig = ConfigType<typeof databaseConfig>;
