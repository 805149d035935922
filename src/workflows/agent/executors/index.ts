import type { Executor } from '../../../contracts/tool-spec';
import type { Task, TaskResult } from '../../../core/model';
import { activityExecutor } from './activity';
import { agentExecutor } from './agent';
import type { ExecutionContext, TaskExecutor } from './context';
import { questionExecutor } from './question';
import { timerExecutor } from './timer';

export type { ExecutionContext, ResumedStep, SchedulerHooks, TaskExecutor, TaskOf } from './context';
export { taskErrorOf } from './failure';

/** How each kind of task runs: a map, not flags. A new kind of executor is one module and one entry here. */
export const EXECUTORS: { readonly [Kind in Executor['kind']]: TaskExecutor<Kind> } = {
  activity: activityExecutor,
  timer: timerExecutor,
  question: questionExecutor,
  agent: agentExecutor,
};

/** Runs one task with the executor its kind names. */
export function execute(task: Task, context: ExecutionContext): Promise<TaskResult> {
  // The map pairs each kind with its executor, so the task has the kind its executor takes (TypeScript cannot follow the pairing).
  const executor = EXECUTORS[task.executor.kind] as TaskExecutor<Executor['kind']>;
  return executor.run(task, context);
}
