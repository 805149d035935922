import { counted } from '../core/words';
import type { AgentRunResult } from '../client';
import { defineMcpTool } from './mcp-tool';
import { describeRun, isOpen, MAX_WAIT_SECONDS, nextStepHint, resultWithin, SERVER_CALL_MS, shownStatus } from './run-access';
import { RUN_ID, waitSecondsInput } from './tool-inputs';
import { ToolRefusal } from './tool-errors';

function endedAnswer(runId: string, result: AgentRunResult) {
  const failure = result.error ? ` (${result.error.type}: ${result.error.message})` : '';
  return {
    text: `Run ${runId} ended: ${result.status}${failure} after ${counted(result.steps, 'step')}.\n\n${result.answer}`,
    data: { runId, ended: true, ...result },
  };
}

/** `run_result`: the answer of a run that has ended; for one still going, says so at once or after a bounded wait. */
export const runResultTool = defineMcpTool({
  name: 'run_result',
  title: 'Result of a run',
  description:
    "A run's result once it has ended: status (final means the agent answered; max_steps, budget_exceeded, cancelled, failed otherwise), the answer, steps, usage. " +
    `If the run has not ended, says so and what it waits for; with waitSeconds (up to ${MAX_WAIT_SECONDS}) it first waits that long for the end. Call again to wait more.`,
  input: {
    runId: RUN_ID,
    waitSeconds: waitSecondsInput('How long to wait for the run to end before answering'),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ runId, waitSeconds }, context) {
    const { handle, description } = await describeRun(context, runId);
    if (!isOpen(description)) {
      const result = await resultWithin(context, handle, SERVER_CALL_MS);
      if (!result) throw new ToolRefusal(`could not read the result of run ${runId} in time; call run_result again.`);
      return endedAnswer(runId, result);
    }
    if (waitSeconds > 0) {
      const result = await resultWithin(context, handle, waitSeconds * 1_000);
      if (result) return endedAnswer(runId, result);
    }
    const { description: now } = await describeRun(context, runId);
    // It may have ended just now, between the wait and this look.
    if (!isOpen(now)) {
      const result = await resultWithin(context, handle, SERVER_CALL_MS);
      if (result) return endedAnswer(runId, result);
    }
    const status = shownStatus(now);
    const waited = waitSeconds > 0 ? ` after waiting ${waitSeconds} s` : '';
    return {
      text: `Run ${runId} has not ended yet${waited} (status ${status}${now.step !== undefined ? `, step ${now.step}` : ''}). ${nextStepHint(status)}`,
      data: { runId, ended: false, status, ...(now.step !== undefined ? { step: now.step } : {}) },
    };
  },
});
