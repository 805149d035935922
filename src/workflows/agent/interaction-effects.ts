import type { UpdateDefinition } from '@temporalio/common';
import { currentUpdateInfo, setHandler } from '@temporalio/workflow';
import { INTERACTIONS, type InteractionArgs, type InteractionName, type InteractionResult, type InteractionSpec } from '../../contracts/interactions';
import { utf8Bytes } from '../../core/summarize';
import { describeIssues } from '../../core/zod-issues';
import type { RunWaits } from './waits';

/** What the workflow does with one interaction: why it refuses one (checked in the validator) and its effect. */
interface Effect<Args, Result> {
  /** The reason to refuse, or undefined; runs in the validator, so a refused Update never reaches history. */
  refuse(waits: RunWaits, args: Args): string | undefined;
  apply(waits: RunWaits, args: Args): Result | Promise<Result>;
}

/**
 * The workflow's half of the interaction table (the other half, names, schemas and bounds, is
 * src/contracts/interactions.ts): each interaction's refusal and effect.
 */
const EFFECTS: { [Name in InteractionName]: Effect<InteractionArgs<Name>, InteractionResult<Name>> } = {
  decide: { refuse: (waits, decision) => waits.decisionRefusal(decision), apply: (waits, decision) => waits.decide(decision) },
  reply: {
    refuse: (waits, reply) => {
      const target = waits.run.people.replyTarget(reply.questionId);
      return 'refusal' in target ? target.refusal : undefined;
    },
    apply: (waits, reply) => waits.reply(reply),
  },
  // The message's Update id (a client's `messageId`) is remembered across handovers: a repeat is refused.
  send: { refuse: (waits) => waits.run.messageRefusal(currentUpdateInfo()?.id), apply: (waits, message) => waits.send(message, currentUpdateInfo()?.id) },
  close: {
    refuse: (waits) => {
      if (!waits.run.input.session) return 'this run is not a session; cancel it instead';
      return waits.run.ended ? 'the session has already ended' : undefined;
    },
    apply: (waits) => waits.close(),
  },
  raiseBudget: {
    refuse: (waits, raise) => (waits.run.ended ? `the run has ended (${waits.run.status}); its budget cannot change` : waits.run.budget.refusal(raise)),
    apply: (waits, raise) => waits.raise(raise),
  },
  pause: { refuse: (waits) => waits.pauseRefusal(), apply: (waits, pause) => waits.requestPause(pause.reason) },
  resume: { refuse: (waits) => waits.resumeRefusal(), apply: (waits) => waits.requestResume() },
};

/** The validator of one interaction: its schema, its text bounds, then the workflow's refusal. */
function validator<Args, Result>(waits: RunWaits, spec: InteractionSpec<Args, Result>, effect: Effect<Args, Result>): (args: unknown) => void {
  return (args) => {
    const parsed = spec.schema.safeParse(args);
    if (!parsed.success) throw new Error(`invalid ${spec.noun}: ${describeIssues(parsed.error)}`);
    for (const bound of spec.bounds) {
      const text = bound.text(parsed.data);
      const bytes = text === undefined ? 0 : utf8Bytes(text);
      if (bytes > bound.maxBytes) throw new Error(`${bound.what} has ${bytes} bytes; at most ${bound.maxBytes} are accepted: shorten it`);
    }
    const refusal = effect.refuse(waits, parsed.data);
    if (refusal) throw new Error(refusal);
  };
}

/** Registers a handler and a validator for every interaction of the table; `counted` counts accepted Updates. */
export function registerInteractions(waits: RunWaits, counted: <A extends unknown[], R>(handler: (...args: A) => R) => (...args: A) => R): void {
  for (const name of Object.keys(INTERACTIONS) as InteractionName[]) {
    const spec = INTERACTIONS[name] as InteractionSpec<unknown, unknown>;
    const effect = EFFECTS[name] as Effect<unknown, unknown>;
    const update = spec.update as UpdateDefinition<unknown, [unknown]>;
    setHandler(update, counted((args: unknown) => effect.apply(waits, args)), { validator: validator(waits, spec, effect) });
  }
}
