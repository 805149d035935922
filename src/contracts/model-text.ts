import { z } from 'zod';

/*
 * Live model text (docs/streaming.md). While the `plan` activity streams the model's answer it heartbeats the text so
 * far; clients read it from the run's pending activity (`describe`), so it takes no history event, no Update slot and
 * no component beyond the Temporal server. Only a heartbeat's latest details are kept, so each carries the whole text
 * so far (the last STREAM_WINDOW_CHARS of it), the step and the attempt: a client that comes late gets the text so
 * far, and a retried call (a new attempt) is told apart from the one before.
 */

/** Most time between two heartbeats of streamed text; the worker's heartbeat throttle is set to it too. */
export const STREAM_INTERVAL_MS = 100;
/** Characters of the text so far a heartbeat carries (its tail); a client that comes later than this is told what it missed. */
export const STREAM_WINDOW_CHARS = 65_536;

/** The details of a streaming `plan` heartbeat. */
export const ModelTextDetailsSchema = z.object({
  kind: z.literal('model_text'),
  step: z.number().int(),
  /** The activity attempt (1 for the first): a new attempt starts its text over. */
  attempt: z.number().int().min(1),
  /** Characters of the text before `text` (0 unless the answer passed the window). */
  offset: z.number().int().min(0),
  text: z.string(),
  /** Names of the tool calls the model has begun so far, in order. */
  calls: z.array(z.string()).optional(),
});
export type ModelTextDetails = z.infer<typeof ModelTextDetailsSchema>;

/** What `handle.stream()` yields, in order, for each model call it sees. */
export type ModelStreamChunk =
  /** More text of the answer of `step`: append it. */
  | { type: 'text'; step: number; attempt: number; text: string }
  /** The call was retried (attempt `attempt`): drop what was shown for this step; its text starts again. */
  | { type: 'reset'; step: number; attempt: number }
  /** The client came after the first `skipped` characters of this answer had left the window: they are not shown. */
  | { type: 'gap'; step: number; attempt: number; skipped: number }
  /** The model began tool calls: their names so far. */
  | { type: 'calls'; step: number; attempt: number; names: string[] }
  /** The model call of `step` ended: its text is complete. */
  | { type: 'done'; step: number; attempt: number };

/** The latest recorded model answer (read by a stream to finish a call's text after its last heartbeat). */
export interface RecordedAnswerText {
  step: number;
  content: string;
  /** Names of the answer's tool calls, in order. */
  calls?: string[];
}
