import type { ClientConfig } from 'pg';
import { parse, toClientConfig } from 'pg-connection-string';

/** How to reach a PostgreSQL database from pg_dump/pg_restore/psql and from `pg`, derived from DATABASE_URL. */
export interface PgConnection {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database: string;
  sslmode?: string;
  /** The `pg` client settings of the URL, TLS included (the same parser `pg` itself uses). */
  client: ClientConfig;
}

export function parsePgUrl(url: string): PgConnection {
  const parsed = parse(url);
  return {
    host: parsed.host ?? 'localhost',
    port: parsed.port ? Number(parsed.port) : 5432,
    user: parsed.user,
    password: parsed.password,
    database: parsed.database ?? '',
    sslmode: typeof parsed.sslmode === 'string' ? parsed.sslmode : undefined,
    client: toClientConfig(parsed),
  };
}

/**
 * Command-line arguments and child environment for the PostgreSQL client tools. The password
 * travels only in the child's PGPASSWORD, never in argv (visible to every user in `ps`).
 */
export function pgToolInvocation(
  connection: PgConnection,
  database = connection.database,
): { args: string[]; env: Record<string, string> } {
  const args = ['--host', connection.host, '--port', String(connection.port), '--no-password', '--dbname', database];
  if (connection.user) args.push('--username', connection.user);
  const env: Record<string, string> = {};
  if (connection.password) env.PGPASSWORD = connection.password;
  if (connection.sslmode) env.PGSSLMODE = connection.sslmode;
  return { args, env };
}

/** Quotes an identifier for SQL (database names we create ourselves). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
