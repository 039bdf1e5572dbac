import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { quoteIdentifier, type PgConnection } from './pg-connection.js';

/** The maintenance database scratch databases are created from. */
const MAINTENANCE_DATABASE = 'postgres';

/** Short-lived `pg` connections for backup bookkeeping (versions, scratch databases, row counts). */
@Injectable()
export class PostgresClient {
  async withClient<T>(connection: PgConnection, database: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({
      ...connection.client,
      database,
      connectionTimeoutMillis: 10_000,
      application_name: 'mentorhub-backup',
    });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  }

  async serverVersion(connection: PgConnection): Promise<string> {
    return this.withClient(connection, connection.database, async (client) => {
      const result = await client.query<{ server_version: string }>('SHOW server_version');
      return result.rows[0].server_version;
    });
  }

  async latestMigration(connection: PgConnection): Promise<string | null> {
    return this.withClient(connection, connection.database, async (client) => {
      const exists = await client.query<{ t: string | null }>("SELECT to_regclass('migrations')::text AS t");
      if (!exists.rows[0].t) return null;
      const result = await client.query<{ name: string }>('SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1');
      return result.rows[0]?.name ?? null;
    });
  }

  async createDatabase(connection: PgConnection, name: string): Promise<void> {
    await this.withClient(connection, MAINTENANCE_DATABASE, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  }

  async dropDatabase(connection: PgConnection, name: string): Promise<void> {
    await this.withClient(connection, MAINTENANCE_DATABASE, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
    );
  }

  /** Exact row counts of every user table, keyed `schema.table`. */
  async rowCounts(connection: PgConnection, database: string): Promise<Record<string, number>> {
    return this.withClient(connection, database, async (client) => {
      const tables = await client.query<{ label: string; ident: string }>(
        `SELECT schemaname || '.' || tablename AS label, format('%I.%I', schemaname, tablename) AS ident
           FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
      );
      const counts: Record<string, number> = {};
      for (const table of tables.rows) {
        const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table.ident}`);
        counts[table.label] = Number(result.rows[0].n);
      }
      return counts;
    });
  }
}
