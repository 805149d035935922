import { defineMcpTool } from './mcp-tool';
import { bounded, describeRun, isOpen, liveState, SERVER_CALL_MS, shownStatus } from './run-access';
import { RUN_ID } from './tool-inputs';

/** Where a sub-agent's call or question is: ` (in sub-agent researcher)`; nothing for the run's own. */
const inAgents = (agents: readonly string[] | undefined) => (agents?.length ? ` (in sub-agent ${agents.join(' → ')})` : '');

/** `pending`: the calls of a run awaiting a decision and its open questions. */
export const pendingTool = defineMcpTool({
  name: 'pending',
  title: 'What a run waits for',
  description:
    'The tool calls of a run that wait for a decision (callId, tool, arguments, the tool\'s input schema, when it expires) and the questions the model asked ' +
    '(questionId, question). Answer calls with approve or deny and questions with reply; an undecided call is denied when it expires. Needs a worker for a run still going.',
  input: { runId: RUN_ID },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ runId }, context) {
    const { handle, description } = await describeRun(context, runId);
    if (!isOpen(description)) {
      const status = shownStatus(description);
      return { text: `Run ${runId} has ended (${status}): it waits for nothing.`, data: { runId, status, approvals: [], questions: [] } };
    }
    let state = await liveState(handle, description, 'what it waits for');
    const pending = await bounded(context, SERVER_CALL_MS, () => handle.pending());
    // Two reads: a wait begun between them is shown with the status read after it, not `running` from before.
    if (state.status === 'running' && pending.approvals.length + pending.questions.length > 0) state = await liveState(handle, description, 'what it waits for');
    const approvals = pending.approvals.map((call) => ({
      callId: call.callId,
      tool: call.tool,
      arguments: call.arguments,
      step: call.step,
      expiresAt: new Date(call.expiresAt).toISOString(),
      inputSchema: call.inputSchema,
      // A sub-agent's call: its id is a path (`s1-1/s2-1`) and these are the agents it is in (docs/sub-agents.md).
      ...(call.agents ? { agents: call.agents } : {}),
    }));
    const questions = pending.questions.map((question) => ({
      questionId: question.questionId,
      question: question.question,
      step: question.step,
      expiresAt: new Date(question.expiresAt).toISOString(),
      ...(question.agents ? { agents: question.agents } : {}),
    }));
    const lines = [
      approvals.length + questions.length === 0 ? `Run ${runId} (${state.status}) waits for nothing from people right now.` : `Run ${runId} (${state.status}) waits for:`,
      ...approvals.map((call) => `- call ${call.callId}${inAgents(call.agents)}: ${call.tool} ${JSON.stringify(call.arguments)} (approve or deny; expires ${call.expiresAt})`),
      ...questions.map((question) => `- question ${question.questionId}${inAgents(question.agents)}: ${question.question} (reply; expires ${question.expiresAt})`),
    ];
    return { text: lines.join('\n'), data: { runId, status: state.status, approvals, questions } };
  },
});
