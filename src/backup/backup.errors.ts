export type BackupErrorCode = 'invalid_name' | 'not_found' | 'in_progress' | 'locked' | 'checksum_mismatch' | 'refused' | 'failed';

/** Where a backup operation failed; `interrupted`: its process died before it finished. */
export const BACKUP_STAGES = ['lock', 'dump', 'manifest', 's3-upload', 'verify', 'restore', 'prune', 'interrupted'] as const;
export type BackupStage = (typeof BACKUP_STAGES)[number];

/**
 * A coded backup failure. The message is safe to show to an operator or an API client (it never
 * holds credentials); `stage` says which step failed, for the status and the metrics.
 */
export class BackupError extends Error {
  override readonly name = 'BackupError';

  constructor(
    readonly code: BackupErrorCode,
    message: string,
    readonly stage?: BackupStage,
  ) {
    super(message);
  }
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
