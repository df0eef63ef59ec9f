/**
 * Polls `condition` until it holds; throws after `within` ms. For what a test waits on (a
 * failover, a key's expiry, a recovery), never for a speed claim: the bound only stops a hang.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  within = 30_000,
  every = 50,
): Promise<void> {
  const deadline = Date.now() + within;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`The condition did not hold within ${within} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
