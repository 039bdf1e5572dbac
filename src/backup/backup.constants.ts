/** Injection token of the S3 store; null when S3 is not configured. */
export const S3_BACKUP_STORE = Symbol('mentorhub:backup:s3-store');

/** Name of the cron job in the SchedulerRegistry. */
export const BACKUP_CRON_JOB = 'mentorhub-backup';

/** Version of this application recorded in each manifest. */
export const APP_VERSION_TOKEN = Symbol('mentorhub:backup:app-version');

/** SchedulerRegistry name of the interval that reads the run journal again. */
export const BACKUP_SHARED_STATUS_INTERVAL = 'mentorhub-backup-shared-status';
