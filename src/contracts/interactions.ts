import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { closeUpdate, decideUpdate, raiseBudgetUpdate, replyUpdate, sendUpdate } from './definitions';
import { DecisionSchema, ReplySchema, SendSchema, type Decision, type Reply, type Send, type TurnAnswer } from './interaction-schemas';
import { BudgetRaiseSchema, type Budget, type BudgetRaise } from './run-input';
import { MAX_MESSAGE_BYTES, MAX_REASON_BYTES } from './limits';

/** What a client puts before a message's `messageId` to make its Update id; the session reads it back (src/workflows/agent/session-turns.ts). */
export const MESSAGE_UPDATE_ID_PREFIX = 'message-';

/** A text field of an interaction's input bounded in UTF-8 bytes (its validator refuses more, naming both sizes). */
export interface TextBound<Args> {
  /** What it is, in words (`the reply`). */
  what: string;
  text: (args: Args) => string | undefined;
  maxBytes: number;
}

/**
 * How the CLI and the MCP server offer an interaction that needs nothing beyond its run id and an optional reason
 * (`durable-agent pause <id> [--reason]`, MCP `pause_run`): derived from the table, with no code of their own.
 */
export interface SimpleSurface<Result> {
  /** CLI command name; the MCP tool is `<command>_run`. */
  command: string;
  /** One line for `--help` and the MCP tool's description. */
  description: string;
  /** The line printed (and the MCP tool's text) once the run took it. */
  done: (runId: string, result: Result) => string;
  /** The input takes an optional `reason` (bounded by the table's bounds). */
  reason?: boolean;
}

/**
 * One thing a client can say to a run: its Update, its input schema, the bounds on its text, and (for simple ones) how
 * the CLI and MCP offer it. The workflow registers a handler and a validator for every entry (the refusals and
 * effects are in src/workflows/agent/interaction-effects.ts), and the client sends every entry the same way.
 */
export interface InteractionSpec<Args, Result> {
  name: string;
  /** What a refused input is called (`invalid <noun>: …`). */
  noun: string;
  update: UpdateDefinition<Result, [Args]> | UpdateDefinition<Result, []>;
  /** Checked by the run's validator before anything reaches history. */
  schema: z.ZodType<Args>;
  bounds: ReadonlyArray<TextBound<Args>>;
  simple?: SimpleSurface<Result>;
}

/** A pause: the run stops before its next step and waits, at no compute, for `resume`. */
export const PauseSchema = z.strictObject({ reason: z.string().max(MAX_REASON_BYTES).optional() });
export type Pause = z.infer<typeof PauseSchema>;
/** What a pause did: the run is paused now (between steps) or will pause before its next step. */
export interface PauseResult {
  state: 'paused' | 'pausing';
}
export const pauseUpdate = updateDefinition<PauseResult, [Pause]>('pause');

/** A resume: a paused run goes on; a pause not yet in effect is withdrawn. */
export const ResumeSchema = z.strictObject({});
export type Resume = z.infer<typeof ResumeSchema>;
export interface ResumeResult {
  state: 'resumed' | 'pause_withdrawn';
}
export const resumeUpdate = updateDefinition<ResumeResult, [Resume]>('resume');

function updateDefinition<Result, Args extends unknown[]>(name: string): UpdateDefinition<Result, Args> {
  return { type: 'update', name } as UpdateDefinition<Result, Args>;
}

function spec<Args, Result>(entry: InteractionSpec<Args, Result>): InteractionSpec<Args, Result> {
  return entry;
}

/** The input and result of each interaction. */
export interface InteractionTypes {
  decide: { args: Decision; result: { callId: string; decision: Decision['decision'] } };
  reply: { args: Reply; result: { questionId: string } };
  send: { args: Send; result: TurnAnswer };
  close: { args: undefined; result: { closed: true } };
  raiseBudget: { args: BudgetRaise; result: Budget };
  pause: { args: Pause; result: PauseResult };
  resume: { args: Resume; result: ResumeResult };
}
export type InteractionName = keyof InteractionTypes;
export type InteractionArgs<Name extends InteractionName> = InteractionTypes[Name]['args'];
export type InteractionResult<Name extends InteractionName> = InteractionTypes[Name]['result'];

/** Every interaction, declared once. Adding one: an entry here, its refusal and effect in the workflow's table. */
export const INTERACTIONS: { readonly [Name in InteractionName]: InteractionSpec<InteractionArgs<Name>, InteractionResult<Name>> } = {
  decide: spec<Decision, { callId: string; decision: Decision['decision'] }>({
    name: 'decide',
    noun: 'decision',
    update: decideUpdate,
    schema: DecisionSchema,
    bounds: [{ what: 'the reason', text: (decision) => (decision.decision === 'deny' ? decision.reason : undefined), maxBytes: MAX_REASON_BYTES }],
  }),
  reply: spec<Reply, { questionId: string }>({
    name: 'reply',
    noun: 'reply',
    update: replyUpdate,
    schema: ReplySchema,
    bounds: [{ what: 'the reply', text: (reply) => reply.text, maxBytes: MAX_MESSAGE_BYTES }],
  }),
  send: spec<Send, TurnAnswer>({
    name: 'send',
    noun: 'message',
    update: sendUpdate,
    schema: SendSchema,
    bounds: [{ what: 'the message', text: (message) => message.text, maxBytes: MAX_MESSAGE_BYTES }],
  }),
  close: spec<undefined, { closed: true }>({ name: 'close', noun: 'close', update: closeUpdate, schema: z.undefined(), bounds: [] }),
  raiseBudget: spec<BudgetRaise, Budget>({ name: 'raiseBudget', noun: 'budget raise', update: raiseBudgetUpdate, schema: BudgetRaiseSchema, bounds: [] }),
  pause: spec<Pause, PauseResult>({
    name: 'pause',
    noun: 'pause',
    update: pauseUpdate,
    schema: PauseSchema,
    bounds: [{ what: 'the reason', text: (pause) => pause.reason, maxBytes: MAX_REASON_BYTES }],
    simple: {
      command: 'pause',
      description: 'pause a run: it stops before its next step (calls in flight finish) and waits, at no compute, for `resume`',
      reason: true,
      done: (runId, result) =>
        result.state === 'paused' ? `Run ${runId} is paused. Resume it with \`durable-agent resume ${runId}\`.` : `Run ${runId} pauses before its next step. Resume it with \`durable-agent resume ${runId}\`.`,
    },
  }),
  resume: spec<Resume, ResumeResult>({
    name: 'resume',
    noun: 'resume',
    update: resumeUpdate,
    schema: ResumeSchema,
    bounds: [],
    simple: {
      command: 'resume',
      description: 'resume a paused run (or withdraw a pause that has not taken effect yet)',
      done: (runId, result) => (result.state === 'resumed' ? `Run ${runId} goes on.` : `Run ${runId} was not paused yet: the pause is withdrawn and it goes on.`),
    },
  }),
};

/** The interactions the CLI and the MCP server offer from the table alone. */
export function simpleInteractions(): Array<InteractionSpec<{ reason?: string }, unknown> & { simple: SimpleSurface<unknown> }> {
  return Object.values(INTERACTIONS).filter((entry) => entry.simple !== undefined) as unknown as Array<InteractionSpec<{ reason?: string }, unknown> & { simple: SimpleSurface<unknown> }>;
}
