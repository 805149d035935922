/** Waits until `check` gives a value (polling every `pollMs`), failing with `what` after a generous bound; a latch, not a timing assertion. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, pollMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
