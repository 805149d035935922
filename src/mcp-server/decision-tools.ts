import { z } from 'zod';
import { defineMcpTool } from './mcp-tool';
import { sendToLiveRun } from './run-access';
import { RUN_ID } from './tool-inputs';

const CALL_ID = z.string().min(1).describe('The call id, as pending shows it (s<step>-<n>, or a sub-agent\'s path such as s1-1/s2-1).');

/** `approve`: lets a gated call run, optionally with edited arguments. */
export const approveTool = defineMcpTool({
  name: 'approve',
  title: 'Approve a pending tool call',
  description:
    'Approve a tool call that waits for a decision (see pending); it runs as soon as the run\'s worker takes the decision. ' +
    "Optionally run it with edited arguments, checked against the tool's input schema. Refused, with nothing recorded, if the call is unknown or already decided.",
  input: {
    runId: RUN_ID,
    callId: CALL_ID,
    arguments: z.record(z.string(), z.unknown()).optional().describe('Run the call with these arguments instead (a JSON object matching the input schema that pending shows).'),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run({ runId, callId, arguments: edited }, context) {
    await sendToLiveRun(context, runId, 'decision', (handle) => handle.approve(callId, edited ? { arguments: edited } : {}));
    return {
      text: `Approved ${callId} of run ${runId}${edited ? ' with edited arguments' : ''}: the call runs now. Follow the run with run_events or run_result.`,
      data: { runId, callId, decision: 'approve', ...(edited ? { arguments: edited } : {}) },
    };
  },
});

/** `deny`: the call never runs; the model reads `ToolDenied` with the reason. */
export const denyTool = defineMcpTool({
  name: 'deny',
  title: 'Deny a pending tool call',
  description:
    'Deny a tool call that waits for a decision (see pending): it never runs, and the model is told `ToolDenied: a person denied the call: <reason>` and goes on. ' +
    'Refused, with nothing recorded, if the call is unknown or already decided.',
  input: {
    runId: RUN_ID,
    callId: CALL_ID,
    reason: z.string().min(1).max(2_000).optional().describe('Why, for the model: it reads this and can plan around it.'),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run({ runId, callId, reason }, context) {
    await sendToLiveRun(context, runId, 'decision', (handle) => handle.deny(callId, reason));
    return {
      text: `Denied ${callId} of run ${runId}${reason ? ` (reason: ${reason})` : ''}: it will not run, and the model is told why.`,
      data: { runId, callId, decision: 'deny', ...(reason ? { reason } : {}) },
    };
  },
});
