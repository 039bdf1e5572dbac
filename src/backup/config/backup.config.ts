import { registerAs, type ConfigType } from '@nestjs/config';
import { validateCronExpression } from 'cron';
import { boolVar, ConfigError, enumVar, intVar, optionalStringVar, stringVar } from '../../common/config/env.util.js';

/** Retention below this many days needs an explicit force (operators keep at least a week of backups). */
export const MIN_RETENTION_DAYS = 7;
export const BACKUP_LOCK_KINDS = ['auto', 'redis', 'postgres', 'local'] as const;
export type BackupLockKind = (typeof BACKUP_LOCK_KINDS)[number];

export interface S3Settings {
  bucket: string;
  region: string;
  /** S3-compatible server (MinIO, test servers): path-style addressing. */
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Attempts of one upload after the first failure, with exponential backoff. */
  retries: number;
  retryDelayMs: number;
  /** Server-side encryption S3 applies to every object written (AWS_S3_SSE), with its KMS key for `aws:kms`. */
  sse?: S3Encryption;
  kmsKeyId?: string;
}

export const S3_ENCRYPTIONS = ['AES256', 'aws:kms'] as const;
export type S3Encryption = (typeof S3_ENCRYPTIONS)[number];

function readEncryption(): Pick<S3Settings, 'sse' | 'kmsKeyId'> {
  const sse = optionalStringVar('AWS_S3_SSE');
  if (sse !== undefined && !(S3_ENCRYPTIONS as readonly string[]).includes(sse)) {
    throw new ConfigError(`AWS_S3_SSE must be AES256 or aws:kms, got "${sse}"`);
  }
  const kmsKeyId = optionalStringVar('AWS_S3_KMS_KEY_ID');
  if (kmsKeyId !== undefined && sse !== 'aws:kms') throw new ConfigError('AWS_S3_KMS_KEY_ID needs AWS_S3_SSE=aws:kms');
  return { sse: sse as S3Encryption | undefined, kmsKeyId };
}

function readS3Settings(): S3Settings | undefined {
  const bucket = optionalStringVar('AWS_S3_BUCKET');
  const accessKeyId = optionalStringVar('AWS_ACCESS_KEY_ID');
  const secretAccessKey = optionalStringVar('AWS_SECRET_ACCESS_KEY');
  const set = [bucket, accessKeyId, secretAccessKey].filter((value) => value !== undefined).length;
  if (set === 0) return undefined;
  // A half-configured bucket is an operator mistake; silently backing up locally only would hide it.
  if (set < 3 || !bucket || !accessKeyId || !secretAccessKey) {
    throw new ConfigError('AWS_S3_BUCKET, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (or none of them)');
  }
  const endpoint = optionalStringVar('AWS_S3_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw new ConfigError(`AWS_S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  }
  return {
    bucket,
    region: stringVar('AWS_REGION', 'us-east-1'),
    endpoint,
    accessKeyId,
    secretAccessKey,
    retries: intVar('BACKUP_S3_RETRIES', 3, { min: 0, max: 10 }),
    retryDelayMs: intVar('BACKUP_S3_RETRY_DELAY_MS', 1000, { min: 0, max: 60_000 }),
    ...readEncryption(),
  };
}

export const backupConfig = registerAs('backup', () => {
  const cron = stringVar('BACKUP_CRON', '0 3 * * *');
  const cronCheck = validateCronExpression(cron);
  if (!cronCheck.valid) throw new ConfigError(`BACKUP_CRON is not a valid cron expression: "${cron}"`);
  const retentionDays = intVar('BACKUP_RETENTION_DAYS', 7, { min: 1, max: 3650 });
  const retentionForce = boolVar('BACKUP_RETENTION_FORCE', false);
  if (retentionDays < MIN_RETENTION_DAYS && !retentionForce) {
    throw new ConfigError(
      `BACKUP_RETENTION_DAYS must be at least ${MIN_RETENTION_DAYS} (got ${retentionDays}); set BACKUP_RETENTION_FORCE=true to allow less`,
    );
  }
  return {
    dir: stringVar('BACKUP_DIR', 'backups'),
    enabled: boolVar('BACKUP_ENABLED', true),
    cron,
    retentionDays,
    retentionForce,
    /** The newest N verified backups are kept whatever their age. */
    keepLast: intVar('BACKUP_KEEP_LAST', 7, { min: 1, max: 1000 }),
    verifyAfterBackup: boolVar('BACKUP_VERIFY_AFTER_BACKUP', true),
    /** Prune after each scheduled backup. */
    pruneAfterBackup: boolVar('BACKUP_PRUNE_AFTER_BACKUP', true),
    lock: enumVar('BACKUP_LOCK', BACKUP_LOCK_KINDS, 'auto'),
    /** Prefix of the Redis keys (and PostgreSQL advisory-lock names) the replicas share; the database's id is appended. */
    lockKey: stringVar('BACKUP_LOCK_KEY', 'mentorhub-lock:backup'),
    /** How long a lock outlives a holder that stopped renewing it (died on another host). */
    lockTtlMs: intVar('BACKUP_LOCK_TTL_MS', 60_000, { min: 1000, max: 3_600_000 }),
    s3: readS3Settings(),
  };
});

export type BackupConfig = ConfigType<typeof backupConfig>;
