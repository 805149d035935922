import { counted } from '../core/words';
import { NoWorkerAnsweredError } from '../client';
import { workerAdvice } from '../client/worker-advice';
import { defineMcpTool } from './mcp-tool';
import { describeRun, isOpen, nextStepHint, resultWithin, SERVER_CALL_MS, shownStatus, WORKER_ANSWER_MS } from './run-access';
import { RUN_ID } from './tool-inputs';
import { statusWithSubAgents, waitingSubAgents } from '../client/sub-agent-tree';

/** `run_status`: the server's view (no worker needed), with the live state when a worker answers. */
export const runStatusTool = defineMcpTool({
  name: 'run_status',
  title: 'Status of a run',
  description:
    'Where a run stands: its status (running, waiting_for_approval, waiting_for_input, waiting_for_budget, paused, idle, or an ending such as final, max_steps, ' +
    'budget_exceeded, cancelled, failed), step, token usage and calls in flight. Returns promptly; works even when no worker runs (then with the server\'s view only).',
  input: { runId: RUN_ID },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ runId }, context) {
    const { handle, description } = await describeRun(context, runId);
    const url = context.link(runId);
    const base = {
      runId,
      status: shownStatus(description),
      executionStatus: description.executionStatus,
      ...(description.step !== undefined ? { step: description.step } : {}),
      ...(description.goal ? { goal: description.goal } : {}),
      taskQueue: description.taskQueue,
      startedAt: description.startTime.toISOString(),
      ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
      ...(url ? { runUrl: url } : {}),
    };
    if (isOpen(description)) {
      try {
        const state = await handle.state({ timeoutMs: WORKER_ANSWER_MS });
        // Sub-agents that wait for people make the run wait too, naming them (docs/sub-agents.md).
        const waiting = waitingSubAgents(await handle.subAgents(state).catch(() => []));
        const { status, waitingOn } = statusWithSubAgents(state.status, waiting);
        const data = {
          ...base,
          status,
          ...(waiting.length ? { subAgentWaits: waiting.map((child) => ({ path: child.path, agents: child.agents, runId: child.workflowId, status: child.state.status })) } : {}),
          step: state.step,
          maxSteps: state.maxSteps,
          usage: state.usage,
          toolCalls: state.toolCalls,
          callsInFlight: state.pending.map((call) => ({ callId: call.id, tool: call.tool, startedAt: new Date(call.startedAt).toISOString() })),
          live: true,
        };
        const through = waitingOn ? ` through its sub-agent ${waitingOn.path} (${waitingOn.agents.join(' → ')}), whose approvals and questions pending lists with that path` : '';
        return { text: `Run ${runId} is ${status}${through} at step ${state.step}/${state.maxSteps}. ${nextStepHint(status)}`, data };
      } catch (error) {
        if (!(error instanceof NoWorkerAnsweredError)) throw error;
        const notice = `No worker answered the live-state query; shown is the server's view only. ${workerAdvice(description)}`;
        return { text: `Run ${runId} is ${base.status}. ${notice}`, data: { ...base, live: false, notice } };
      }
    }
    // An ended run's result needs no worker: it is in the run's history.
    const result = description.executionStatus === 'COMPLETED' ? await resultWithin(context, handle, SERVER_CALL_MS).catch(() => undefined) : undefined;
    if (!result) return { text: `Run ${runId} has ended (${base.status}).`, data: { ...base, ended: true } };
    const data = { ...base, status: result.status, step: result.steps, usage: result.usage, toolCalls: result.toolCalls, ended: true };
    return { text: `Run ${runId} has ended (${result.status}) after ${counted(result.steps, 'step')}; call run_result for its answer.`, data };
  },
});
