import type { Executor, RecordedTools } from '../../../contracts/tool-spec';
import type { Task, TaskResult } from '../../../core/model';
import type { CarriedGate } from '../../../contracts/workflow-input';
import type { RunWaits } from '../waits';
import type { OutputBudget } from '../output-budget';
import type { Semaphore } from '../semaphore';
import type { SubAgentContext } from './agent';

/** Notified as tasks start and finish (the run state and the UI details follow along). */
export interface SchedulerHooks {
  onStart?(task: Task): void;
  onFinish?(result: TaskResult): void;
  /** A task that had started before the run handed over goes on in this run (no new event). */
  onResumed?(task: Task): void;
}

/** What of a step the previous run of the chain finished or left waiting for people (a handover while waiting). */
export interface ResumedStep {
  results: ReadonlyMap<string, TaskResult>;
  gates: ReadonlyMap<string, CarriedGate>;
}

/** What executors share within a step. */
export interface ExecutionContext {
  semaphore: Semaphore;
  hooks: SchedulerHooks;
  /** The step's history budget for tool outputs; absent in runs started before it existed. */
  budget?: OutputBudget;
  /** Approvals and questions. */
  interaction: RunWaits;
  /** How long a call to a tool on another task queue waits for a worker (`toolUnavailableAfterMs`). */
  toolUnavailableAfterMs?: number;
  /** The step as the previous run left it, when this run took over within it. */
  resumed?: ResumedStep;
  /** A fork's lineage: `read_output` may read the stored outputs of these runs too. */
  lineage?: readonly string[];
  /** Tools answered from a recorded run (`recordedTools`). */
  recordedTools?: RecordedTools;
  /** Named agents as tools: where this run is in the tree, and what its children may be given. */
  subAgents?: SubAgentContext;
}

/** A task whose executor is of this kind. */
export type TaskOf<Kind extends Executor['kind']> = Task & { executor: Extract<Executor, { kind: Kind }> };

/**
 * How tasks of one kind run: every executor has this shape. `run` reports the task's start and finish through the
 * context's hooks and never throws, except when the run is cancelled.
 */
export interface TaskExecutor<Kind extends Executor['kind']> {
  readonly kind: Kind;
  run(task: TaskOf<Kind>, context: ExecutionContext): Promise<TaskResult>;
}

/** Reports a task's result to the hooks and returns it. */
export function finished(result: TaskResult, context: ExecutionContext): TaskResult {
  context.hooks.onFinish?.(result);
  return result;
}
