import { setTimeout as delay } from 'node:timers/promises';

/** Polls until `check` passes (stops throwing); the bound only proves it does not hang. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(20);
    }
  }
}
