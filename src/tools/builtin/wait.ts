import { WAIT_TOOL_NAME, WaitInputSchema } from '../../shared/wait';
import { defineTool, type Tool } from '../define-tool';

export interface WaitOptions {
  /** Longest wait accepted, in seconds (`AGENT_WAIT_MAX_SECONDS`). @default 86_400 (one day) */
  maxSeconds?: number;
}

export const DEFAULT_WAIT_MAX_SECONDS = 86_400;

/**
 * The `wait` built-in. It never runs on a worker: the workflow sleeps on a durable timer, so an agent can
 * "check again in an hour" while holding no worker slot and surviving restarts.
 */
export function createWaitTool(options: WaitOptions = {}): Tool {
  const maxSeconds = options.maxSeconds ?? DEFAULT_WAIT_MAX_SECONDS;
  const tool = defineTool({
    name: WAIT_TOOL_NAME,
    description: `Wait before the next step, for example to check something again later (at most ${maxSeconds} seconds). Costs nothing while waiting.`,
    input: WaitInputSchema,
    summaryField: 'reason',
    run: async () => {
      throw new Error('wait runs as a workflow timer, never as an activity');
    },
  });
  // `execution`/`maxSeconds` say the same for workflow code older than `executor` (a rolling deploy runs both).
  return { ...tool, spec: { ...tool.spec, executor: { kind: 'timer', maxSeconds }, execution: 'workflow-timer', maxSeconds } };
}
