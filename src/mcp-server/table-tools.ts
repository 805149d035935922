import { z } from 'zod';
import { simpleInteractions, type InteractionName } from '../client';
import { defineMcpTool, type McpTool } from './mcp-tool';
import { sendToLiveRun } from './run-access';
import { RUN_ID } from './tool-inputs';

/**
 * The MCP tools derived from the interaction table (src/contracts/interactions.ts): every interaction that
 * needs only a run id and an optional reason becomes `<command>_run` (`pause_run`, `resume_run`).
 */
export function tableTools(): McpTool[] {
  return simpleInteractions().map((spec) => {
    const { command, description, done, reason } = spec.simple;
    return defineMcpTool({
      name: `${command}_run`,
      title: `${command.charAt(0).toUpperCase()}${command.slice(1)} a run`,
      description: `${description.charAt(0).toUpperCase()}${description.slice(1)}. Refused, with nothing recorded, when it does not apply (the run ended, or is not paused).`,
      input: {
        runId: RUN_ID,
        ...(reason ? { reason: z.string().max(4_096).optional().describe('Why, for the event log and the Temporal UI.') } : {}),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      async run(input: { runId: string; reason?: unknown }, context) {
        const args = typeof input.reason === 'string' ? { reason: input.reason } : {};
        const result = await sendToLiveRun(context, input.runId, 'request', (handle) => handle.interact(spec.name as InteractionName as 'pause', args));
        return { text: done(input.runId, result), data: { runId: input.runId, ...(result as object) } };
      },
    });
  });
}
