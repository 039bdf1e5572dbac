import { BackupError } from '../backup.errors.js';

export type BackupFormat = 'pg-custom' | 'pg-plain' | 'sqlite-gzip';

/** File extension of each format: the name alone tells how to restore it. */
export const FORMAT_EXTENSIONS: Record<BackupFormat, string> = {
  'pg-custom': '.dump',
  'pg-plain': '.sql',
  'sqlite-gzip': '.sqlite.gz',
};

export const BACKUP_PREFIX = 'mentorhub_backup_';
/** Key prefix of backups in S3. */
export const S3_KEY_PREFIX = 'backups/';
export const MANIFEST_EXTENSION = '.json';

const STEM = 'mentorhub_backup_\\d{8}_\\d{6}';
const STEM_PATTERN = new RegExp(`^${STEM}$`);
const FILE_PATTERN = new RegExp(`^(${STEM})(\\.dump|\\.sql|\\.sqlite\\.gz|\\.json)$`);
const REFERENCE_PATTERN = new RegExp(`^(?:backups/)?(${STEM})(\\.dump|\\.sql|\\.sqlite\\.gz|\\.json)?$`);

/** `mentorhub_backup_YYYYMMDD_HHMMSS` in UTC. */
export function backupStem(date: Date): string {
  const iso = date.toISOString();
  return `${BACKUP_PREFIX}${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}`;
}

export function backupFileName(stem: string, format: BackupFormat): string {
  return `${stem}${FORMAT_EXTENSIONS[format]}`;
}

export function manifestFileName(stem: string): string {
  return `${stem}${MANIFEST_EXTENSION}`;
}

export function formatOfFile(fileName: string): BackupFormat | undefined {
  const match = FILE_PATTERN.exec(fileName);
  if (!match) return undefined;
  return (Object.keys(FORMAT_EXTENSIONS) as BackupFormat[]).find((format) => FORMAT_EXTENSIONS[format] === match[2]);
}

/** The stem of one of our backup or manifest files; undefined for anything else (never touched). */
export function stemOfFile(fileName: string): string | undefined {
  return FILE_PATTERN.exec(fileName)?.[1];
}

/** The UTC time encoded in a stem. */
export function timeOfStem(stem: string): Date {
  const digits = stem.slice(BACKUP_PREFIX.length);
  const [day, time] = digits.split('_');
  return new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}Z`);
}

/**
 * Accepts what an operator types (`mentorhub_backup_20240101_030000`, with or without its
 * extension, or its S3 key `backups/…`) and returns the stem. Anything else — path separators,
 * `..`, other names — is refused before it can reach the filesystem or S3.
 */
export function parseBackupReference(input: string): string {
  const match = REFERENCE_PATTERN.exec(input);
  if (!match || !STEM_PATTERN.test(match[1]) || Number.isNaN(timeOfStem(match[1]).getTime())) {
    throw new BackupError('invalid_name', 'Invalid backup name: expected mentorhub_backup_YYYYMMDD_HHMMSS[.dump|.sql|.sqlite.gz]');
  }
  return match[1];
}
