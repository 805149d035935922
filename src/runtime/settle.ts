/**
 * Waits for `promise` at most `ms` milliseconds: its value, or `undefined` when it failed or took longer. For waits
 * whose outcome is optional (a clean-up step, a result that may come); the promise itself is not cancelled.
 */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
