import { sleep } from '@temporalio/workflow';
import { WaitInputSchema } from '../../../core/wait-input';
import { waitTimerSummary } from '../ui-words';
import { finished, type TaskExecutor } from './context';

/** A durable timer in the workflow (`wait`): no activity, no worker slot, no semaphore permit. */
export const timerExecutor: TaskExecutor<'timer'> = {
  kind: 'timer',
  async run(task, context) {
    // Validated when the task was prepared; parsed again here because the task carries the raw input.
    const { seconds } = WaitInputSchema.parse(task.input);
    context.hooks.onStart?.(task);
    const started = Date.now();
    // The summary is metadata of the timer's command, not matched on replay: older histories replay unchanged.
    await sleep(Math.round(seconds * 1000), { summary: waitTimerSummary(seconds, task.id) });
    return finished({ id: task.id, callId: task.callId, tool: task.tool, ok: true, output: { waitedSeconds: seconds }, durationMs: Date.now() - started }, context);
  },
};
