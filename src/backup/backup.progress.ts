export type ProgressStage = 'dump' | 'upload' | 'download' | 'verify' | 'safety-backup' | 'restore';

export interface BackupProgress {
  stage: ProgressStage;
  bytes?: number;
  total?: number;
}

/** Receives progress of long steps (the CLI prints it); never required. */
export type ProgressListener = (progress: BackupProgress) => void;
