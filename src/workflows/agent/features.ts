import { patched } from '@temporalio/workflow';

/**
 * Changes to what the loop schedules since the versioning baseline (0.2.0), one entry each: the name the code reads
 * and the id recorded in a run's history (docs/versioning.md). Empty at the baseline: the loop has one path.
 * Never rename or reuse an id; an entry is retired by a new baseline once no run without it can be replayed.
 */
export const FEATURES = {} as const satisfies Record<string, string>;

/** Which features a run started with: true for runs started on code that has them. */
export type Features = { readonly [Name in keyof typeof FEATURES]: boolean };

/**
 * The run's feature record, computed once when it starts (a run keeps the path it started with to its end); passed
 * down as a record, never checked lazily.
 */
export function featuresAtStart(): Features {
  const entries: ReadonlyArray<[string, string]> = Object.entries(FEATURES);
  return Object.fromEntries(entries.map(([name, id]) => [name, patched(id)]));
}
