import type { Executor, ToolSpec } from '../contracts/tool-spec';

/**
 * How a catalogue entry's calls run. Entries recorded before `executor` existed said it with flags
 * (`execution: 'workflow-timer'`, `maxSeconds`): they are read here, and only here, so old runs keep replaying.
 */
export function executorOf(spec: ToolSpec): Executor {
  if (spec.executor) return spec.executor;
  if (spec.execution === 'workflow-timer') return { kind: 'timer', ...(spec.maxSeconds !== undefined ? { maxSeconds: spec.maxSeconds } : {}) };
  return { kind: 'activity', activityType: spec.name };
}
