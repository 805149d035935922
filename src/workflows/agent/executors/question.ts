import { AskUserInputSchema } from '../../../core/ask-user-input';
import { failedResult } from '../../../core/task-result';
import { finished, type TaskExecutor } from './context';

/** The model asks a person (`ask_user`): the run waits, with status `waiting_for_input`, for a `reply` Update. */
export const questionExecutor: TaskExecutor<'question'> = {
  kind: 'question',
  async run(task, context) {
    const started = Date.now();
    const { question } = AskUserInputSchema.parse(task.input);
    const carried = context.resumed?.gates.get(task.id);
    if (carried) context.hooks.onResumed?.(task);
    else context.hooks.onStart?.(task);
    const outcome = await context.interaction.ask(task, question, carried);
    const durationMs = Date.now() - started;
    if ('error' in outcome) return finished(failedResult(task, outcome.error, durationMs), context);
    return finished({ id: task.id, callId: task.callId, tool: task.tool, ok: true, output: { answer: outcome.answer }, durationMs }, context);
  },
};
