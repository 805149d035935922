import { z } from 'zod';

/** Name of the built-in that waits with a durable workflow timer instead of an activity. */
export const WAIT_TOOL_NAME = 'wait';

/** Input of `wait`, validated in the workflow itself (no activity ever runs for it). */
export const WaitInputSchema = z
  .object({
    seconds: z.number().min(0).describe('How long to wait, in seconds'),
    reason: z.string().max(500).optional().describe('Why, shown in the Temporal UI'),
  })
  .strict();
