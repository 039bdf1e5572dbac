import { BackupError } from '../backup.errors.js';

/** The version in `pg_dump --version` ("pg_dump (PostgreSQL) 17.2 (Debian 17.2-1)") or in `SHOW server_version` ("16.4 (Ubuntu …)"). */
export function versionIn(text: string): { version: string; major: number } | null {
  const match = /(\d+)(?:\.(\d+))?/.exec(text);
  return match ? { version: match[2] === undefined ? match[1] : `${match[1]}.${match[2]}`, major: Number(match[1]) } : null;
}

/**
 * pg_dump refuses a server of a newer major version than its own (and dumps older ones fine):
 * checked before the dump starts, so the failure says which versions meet instead of quoting
 * pg_dump's abort halfway.
 */
export function checkPgDumpVersion(toolVersionOutput: string, serverVersion: string): void {
  const tool = versionIn(toolVersionOutput);
  const server = versionIn(serverVersion);
  if (!tool || !server || tool.major >= server.major) return;
  throw new BackupError(
    'failed',
    `pg_dump ${tool.version} cannot back up PostgreSQL server ${server.version}: the client tools must be of major version ${server.major} or newer`,
    'dump',
  );
}
