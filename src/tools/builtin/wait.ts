import { WAIT_TOOL_NAME, WaitInputSchema } from '../../core/wait-input';
import { defineWorkflowTool, type WorkflowTool } from '../define-workflow-tool';

export interface WaitOptions {
  /** Longest wait accepted, in seconds (`AGENT_WAIT_MAX_SECONDS`). @default 86_400 (one day) */
  maxSeconds?: number;
}

export const DEFAULT_WAIT_MAX_SECONDS = 86_400;

/**
 * The `wait` built-in. It never runs on a worker: the workflow sleeps on a durable timer, so an agent can
 * "check again in an hour" while holding no worker slot and surviving restarts.
 */
export function createWaitTool(options: WaitOptions = {}): WorkflowTool {
  const maxSeconds = options.maxSeconds ?? DEFAULT_WAIT_MAX_SECONDS;
  return defineWorkflowTool({
    name: WAIT_TOOL_NAME,
    description: `Wait before the next step, for example to check something again later (at most ${maxSeconds} seconds). Costs nothing while waiting.`,
    input: WaitInputSchema,
    summaryField: 'reason',
    executor: { kind: 'timer', maxSeconds },
  });
}
