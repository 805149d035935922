// @ts-check
/** The peer's tool, as an activity: the same work as the bench's `work` tool (bench/harness.ts). */
const { setTimeout: sleep } = require('node:timers/promises');
const { Context } = require('@temporalio/activity');

/**
 * Sleeps for `ms` milliseconds (cancellable) and returns `bytes` bytes of text.
 * @param {{ ms: number; bytes?: number }} input
 * @returns {Promise<string>}
 */
async function work({ ms, bytes = 16 }) {
  await sleep(ms, undefined, { signal: Context.current().cancellationSignal });
  return 'w'.repeat(bytes);
}

module.exports = { work };
