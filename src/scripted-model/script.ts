import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { QuirkSchema } from './quirks';

/** One tool call the scripted model makes. `rawArguments` is sent as is (for example broken JSON). */
const ScriptToolCallSchema = z
  .object({
    name: z.string().min(1),
    /** The call's id as sent; default `call_<turn>_<index>` (tests set it to repeat an id, as some models do). */
    id: z.string().optional(),
    arguments: z.unknown().optional(),
    rawArguments: z.string().optional(),
  })
  .strict();

/**
 * One entry of a script. An *answer* entry (`toolCalls`, `content`, `rawArguments` or `rawResponse`) is one
 * turn of the conversation; a *fault* entry (`status`, or only `delayMs`) applies to the requests of the
 * answer that follows it, `times` times, before that answer is served.
 */
const ScriptTurnSchema = z
  .object({
    toolCalls: z.array(ScriptToolCallSchema).optional(),
    content: z.string().optional(),
    /** Shorthand for one call with unparsable arguments: `{"rawArguments": "{not json", "tool": "read_file"}`. */
    rawArguments: z.string().optional(),
    tool: z.string().min(1).optional(),
    /** Sent as the whole 200 response body, JSON-encoded (for malformed-output tests). */
    rawResponse: z.unknown().optional(),
    /** Sent as the whole 200 response body, byte for byte (for example text that is not JSON). */
    rawBody: z.string().optional(),
    /** This answer stands for this many consecutive turns. */
    repeat: z.number().int().min(1).max(100_000).optional(),
    /** Fault: answer with this HTTP status instead. */
    status: z.number().int().min(400).max(599).optional(),
    /** With `status`: sent as `retry-after-ms` (and `retry-after` in whole seconds). */
    retryAfterMs: z.number().int().min(0).optional(),
    /** Fault: how many requests it applies to. */
    times: z.number().int().min(1).max(1_000).optional(),
    /** Delay before answering (a fault entry when alone, a slow answer when beside answer fields). */
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** Error message of a fault. */
    message: z.string().optional(),
    /** Streamed answers: the pause between two chunks (tokens), in ms; otherwise the server's `chunkDelayMs`. */
    chunkDelayMs: z.number().int().min(0).max(60_000).optional(),
    /** Fault: a streamed answer cut after this many chunks (the connection closes mid-answer; unstreamed: at once). */
    cutAfterChunks: z.number().int().min(0).max(1_000_000).optional(),
    /** Answers: provider quirks that reshape this answer, streamed or not (src/scripted-model/quirks.ts). */
    quirks: z.array(QuirkSchema).optional(),
    /** Answers: the `finish_reason` sent instead of `tool_calls`/`stop` (`eos_token`, `function_call`, …). */
    finishReason: z.string().min(1).optional(),
    /** Answers: a request for this turn carrying one of these top-level parameters gets the 400 a provider sends. */
    rejectParams: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const ScriptSchema = z.object({ turns: z.array(ScriptTurnSchema).min(1, 'a script needs at least one turn') }).strict();
export type Script = z.infer<typeof ScriptSchema>;
export type ScriptTurn = z.infer<typeof ScriptTurnSchema>;

export interface Fault {
  status?: number;
  retryAfterMs?: number;
  delayMs?: number;
  times: number;
  message?: string;
  cutAfterChunks?: number;
}

export interface Answer {
  turn: ScriptTurn;
  /** Faults served, in order, before this answer. */
  faults: Fault[];
}

/** Raised when a script does not parse; the message gives the JSON path of each problem. */
export class ScriptError extends Error {
  override name = 'ScriptError';
}

function isAnswer(turn: ScriptTurn): boolean {
  return (
    turn.toolCalls !== undefined || turn.content !== undefined || turn.rawArguments !== undefined || turn.rawResponse !== undefined || turn.rawBody !== undefined
  );
}

function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return `$${path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('')}`;
}

/** Validates a script and expands it into answers with their faults. */
export function compileScript(value: unknown, source = 'the script'): Answer[] {
  const parsed = ScriptSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  at ${jsonPath(issue.path)}: ${issue.message}`);
    throw new ScriptError(`${source} is not a valid script:\n${problems.join('\n')}`);
  }
  const answers: Answer[] = [];
  let pending: Fault[] = [];
  parsed.data.turns.forEach((turn, index) => {
    if (isAnswer(turn)) {
      if (turn.status !== undefined || turn.cutAfterChunks !== undefined) {
        throw new ScriptError(`${source}: at $.turns[${index}]: a turn is either an answer or a fault (status, cutAfterChunks), not both`);
      }
      for (let copy = 0; copy < (turn.repeat ?? 1); copy += 1) answers.push({ turn, faults: pending });
      pending = [];
    } else if (turn.status !== undefined || turn.delayMs !== undefined || turn.cutAfterChunks !== undefined) {
      if (turn.status !== undefined && turn.cutAfterChunks !== undefined) throw new ScriptError(`${source}: at $.turns[${index}]: a fault is an HTTP status or a cut stream, not both`);
      const cut = turn.cutAfterChunks !== undefined ? { cutAfterChunks: turn.cutAfterChunks } : {};
      if (turn.quirks !== undefined || turn.finishReason !== undefined || turn.rejectParams !== undefined) {
        throw new ScriptError(`${source}: at $.turns[${index}]: quirks, finishReason and rejectParams shape an answer; this turn is a fault`);
      }
      pending = [...pending, { status: turn.status, retryAfterMs: turn.retryAfterMs, delayMs: turn.delayMs, times: turn.times ?? 1, message: turn.message, ...cut }];
    } else {
      throw new ScriptError(`${source}: at $.turns[${index}]: expected toolCalls, content, rawArguments, rawResponse, status, delayMs or cutAfterChunks`);
    }
  });
  if (pending.length > 0) throw new ScriptError(`${source}: the last turns are faults with no answer after them`);
  return answers;
}

/** Reads and compiles a script file; errors name the file, and the JSON path of each problem. */
export function loadScriptFile(path: string): Answer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScriptError(`cannot read the script ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScriptError(`the script ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return compileScript(value, `the script ${path}`);
}

/** The fault to serve for the `attempt`-th request (0-based) of an answer, or none when the answer is due. */
export function faultFor(answer: Answer, attempt: number): Fault | undefined {
  let remaining = attempt;
  for (const fault of answer.faults) {
    if (remaining < fault.times) return fault;
    remaining -= fault.times;
  }
  return undefined;
}
