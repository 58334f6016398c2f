/**
 * until: waits for a condition that raises no event (a file removed by a
 * fire-and-forget unlink, a socket smtp-server closes on its own timer),
 * re-checking it every few milliseconds up to a deadline. Where an event
 * exists, await the event instead (relay-harness's waitFor, a sink's
 * waitForMessages).
 */

/** Resolves once `cond()` holds; rejects naming `what` when `timeoutMs` passes first. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
