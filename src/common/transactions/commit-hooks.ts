import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';

/**
 * Rows a caller needs committed together with whatever write transaction its work runs (an
 * outbox row beside the entity it describes). The transaction runner calls the hooks of the
 * current call chain just before it commits; the database layer knows nothing else about them.
 */
export interface CommitHook {
  beforeCommit(manager: EntityManager): Promise<void>;
}

const hooks = new AsyncLocalStorage<readonly CommitHook[]>();

/** Runs `work` with `hook` added to the hooks every transaction inside it commits with. */
export function withCommitHook<T>(hook: CommitHook, work: () => Promise<T>): Promise<T> {
  return hooks.run([...(hooks.getStore() ?? []), hook], work);
}

export async function runCommitHooks(manager: EntityManager): Promise<void> {
  for (const hook of hooks.getStore() ?? []) await hook.beforeCommit(manager);
}
