import { patched } from '@temporalio/workflow';

/**
 * Changes to what the loop schedules since the versioning baseline (0.2.0), one entry each: the name the code reads
 * and the id recorded in a run's history (docs/versioning.md). 
 * Never rename or reuse an id; an entry is retired by a new baseline once no run without it can be replayed.
 */
export const FEATURES = {
  /** The run upserts `AgentCostUsd` with its other search attributes (when the namespace has it). */
  costAttribute: 'cost-attribute-v1',
  /** A fork starts from its seed (the original's transcript at a step) and may skip that step's model call. */
  forks: 'fork-v1',
  /**
   * A run hands over for its history's size only once it has done something since it began (a step, an accepted
   * Update): a run waiting for people whose carried input alone passed a small `continueAsNewAtHistoryBytes` handed
   * over at once, again and again.
   */
  handoverProgress: 'handover-progress-v1',
  /**
   * Fast steps (docs/fast-steps.md): calls of fast tools run as local activities; before it, every tool call was an
   * activity task.
   */
  fastSteps: 'fast-steps-v1',
  /**
   * A run whose input names no `planner` plans `auto` (docs/agent-loop.md): the model is called from a local activity,
   * handed over to the `plan` activity when it has not answered within PLANNER_HANDOFF_MS; before it, `activity`.
   */
  plannerAuto: 'planner-auto-v1',
} as const satisfies Record<string, string>;

/** Which features a run started with: true for runs started on code that has them. */
export type Features = { readonly [Name in keyof typeof FEATURES]: boolean };

/**
 * The run's feature record, computed once when it starts (a run keeps the path it started with to its end); passed
 * down as a record, never checked lazily.
 */
export function featuresAtStart(): Features {
  const entries: ReadonlyArray<[string, string]> = Object.entries(FEATURES);
  // Every name of FEATURES is there: the cast only tells the compiler what `fromEntries` cannot.
  return Object.fromEntries(entries.map(([name, id]) => [name, patched(id)])) as Features;
}
