/** Waits `ms` milliseconds; e2e tests keep these short by configuring short timeouts. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
