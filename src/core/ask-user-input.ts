import { z } from 'zod';

/** Name of the built-in that asks a person a question and waits for the answer. */
export const ASK_USER_TOOL_NAME = 'ask_user';

/** Input of `ask_user`, validated in the workflow itself (no activity ever runs for it). */
export const AskUserInputSchema = z
  .object({ question: z.string().trim().min(1).max(4_000).describe('The question for the person, in plain words') })
  .strict();
