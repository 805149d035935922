import { createSmokeActivities } from './smoke-activities';

/** What activities may depend on; tests inject fakes here instead of mocking modules. */
export type ActivityDependencies = Record<string, never>;

/** Builds every activity the worker registers. */
export function createActivities(_dependencies: ActivityDependencies = {}) {
  return {
    ...createSmokeActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
