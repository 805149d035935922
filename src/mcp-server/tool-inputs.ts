import { z } from 'zod';
import { MAX_WAIT_SECONDS } from './run-access';

/** The run a tool acts on. */
export const RUN_ID = z.string().min(1).max(400).describe('The run id that start_run returned (its Temporal workflow id).');

/** A bounded wait: an MCP call should come back within a minute, so longer waits are several calls. */
export function waitSecondsInput(what: string) {
  return z.number().min(0).max(MAX_WAIT_SECONDS).default(0).describe(`${what} (0 to ${MAX_WAIT_SECONDS} seconds, default 0: answer at once).`);
}
