import type { Redis } from 'ioredis';
import { setImmediate as afterIo } from 'node:timers/promises';

/**
 * One PING; resolves to undefined when Redis answered, else why not. When the timeout fires the
 * reply may already wait unread behind a busy event loop: one turn of the loop's I/O phase is let
 * run first, so only a Redis that really did not answer in time counts as a failure.
 */
export async function probeRedis(client: Redis, timeoutMs: number): Promise<string | undefined> {
  let answered = false;
  let failure: string | undefined;
  const ping = client.ping().then(
    () => {
      answered = true;
    },
    (error: unknown) => {
      failure = error instanceof Error ? error.message : String(error);
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([ping, timeout]);
  clearTimeout(timer);
  if (!answered && failure === undefined) await afterIo();
  if (answered) return undefined;
  return failure ?? `no answer to PING within ${timeoutMs} ms`;
}
