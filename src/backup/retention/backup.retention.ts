const DAY_MS = 24 * 3600 * 1000;

export interface RetentionCandidate {
  stem: string;
  time: Date;
  /** A trial restore of this backup succeeded. */
  verified: boolean;
}

export interface RetentionPolicy {
  now: Date;
  retentionDays: number;
  /** The newest N verified backups are kept whatever their age. */
  keepLast: number;
}

export interface RetentionPlan {
  keep: string[];
  remove: string[];
}

/**
 * Which backups to delete: older than the retention period, except the newest N verified ones
 * and the newest backup of all (so a pause in backups never leaves zero backups behind).
 */
export function planRetention(candidates: RetentionCandidate[], policy: RetentionPolicy): RetentionPlan {
  const newestFirst = [...candidates].sort((a, b) => b.time.getTime() - a.time.getTime() || b.stem.localeCompare(a.stem));
  const cutoff = policy.now.getTime() - policy.retentionDays * DAY_MS;
  const protectedStems = new Set(
    newestFirst
      .filter((candidate) => candidate.verified)
      .slice(0, policy.keepLast)
      .map((candidate) => candidate.stem),
  );
  if (newestFirst.length > 0) protectedStems.add(newestFirst[0].stem);
  const keep: string[] = [];
  const remove: string[] = [];
  for (const candidate of newestFirst) {
    if (protectedStems.has(candidate.stem) || candidate.time.getTime() >= cutoff) keep.push(candidate.stem);
    else remove.push(candidate.stem);
  }
  return { keep, remove };
}
