import { z } from 'zod';
import type { AgentRunInput } from '../client';
import { isPrivateTaskQueue } from '../client/worker-advice';
import { defineMcpTool } from './mcp-tool';
import { bounded } from './run-access';

const PLANNING_MODES = ['react', 'dag', 'auto'] as const;

/** `start_run`: starts a run for a goal on the context's task queue (the server's, or `--local`'s own) and returns at once. */
export const startRunTool = defineMcpTool({
  name: 'start_run',
  title: 'Start a durable agent run',
  description:
    'Start a durable, long-running agent run for a goal and return its runId at once (the run does not finish within this call). ' +
    'The run is executed by a durable-agent worker with its own model and tools; it survives restarts and can wait hours for approvals. ' +
    'Then: run_status or run_events to follow it, pending + approve/deny/reply when it waits for a person, run_result for the answer, cancel_run to stop it.',
  input: {
    goal: z.string().min(1).describe('What the agent should achieve, in plain words; it is also the run\'s title.'),
    maxSteps: z.number().int().min(1).max(10_000).optional().describe('Planning steps before the run stops with status max_steps (default 10).'),
    maxParallel: z.number().int().min(1).max(1_000).optional().describe('Tool calls of the run that may execute at the same time (default 4).'),
    allowedTools: z.array(z.string().min(1)).optional().describe("The only tools the agent may use (default: every tool of the worker; [] for none)."),
    requireApproval: z
      .array(z.string().min(1))
      .optional()
      .describe('Tools whose calls wait for a decision before they run (besides those that always need one): see them with pending, answer with approve or deny.'),
    approvalTimeoutMs: z.number().int().min(1_000).optional().describe('How long a call waits for a decision (or a question for its answer) before it is denied (default 24 h).'),
    planning: z
      .enum(PLANNING_MODES)
      .optional()
      .describe('react: plain tool calls (default); auto: the model may also submit a plan of dependent calls run eagerly; dag: it should prefer such plans.'),
    budget: z
      .object({
        maxTokens: z.number().int().min(1).optional().describe('Stop (or pause) once input + output tokens reach this.'),
        maxWallTimeMs: z.number().int().min(1).optional().describe('Stop (or pause) once the run has lasted this long, in milliseconds.'),
        maxCostUsd: z.number().positive().optional().describe('Stop (or pause) once the model calls cost this much, in USD.'),
        onExhausted: z.enum(['stop', 'pause']).optional().describe('stop: end with budget_exceeded (default); pause: wait as waiting_for_budget until raised or cancelled.'),
      })
      .optional()
      .describe('Limits of the run; leave out for none.'),
    model: z.string().min(1).optional().describe("Model name for the planner (default: the worker's model)."),
    systemPrompt: z.string().min(1).optional().describe('Replaces the default system prompt.'),
    runId: z.string().min(1).max(400).optional().describe('An id of your choosing for the run (default: agent-<date>-<random>); an id already used is refused.'),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(input, context) {
    const { runId, budget, ...rest } = input;
    const runInput: AgentRunInput = { ...rest, ...(budget && Object.keys(budget).length > 0 ? { budget } : {}) };
    const taskQueue = context.taskQueue ?? context.agent.config.taskQueue;
    const handle = await bounded(context, 15_000, () => context.agent.start(runInput, { taskQueue, ...(runId ? { workflowId: runId } : {}) }));
    context.onRunStarted?.(handle.workflowId);
    const seen = await context.agent.workerPolls(taskQueue);
    const url = context.link(handle.workflowId);
    const workerNote = context.inProcessWorker
      ? isPrivateTaskQueue(taskQueue)
        ? ` This MCP server's own worker (private task queue "${taskQueue}", scripted model) runs it; if the run is still open when this server stops, it is cancelled.`
        : ` This MCP server's own worker (task queue "${taskQueue}") runs it; if this server stops first, any \`durable-agent worker\` on that queue continues it.`
      : seen === false
        ? ` No worker has polled task queue "${taskQueue}" lately: the run waits until one starts (\`TEMPORAL_TASK_QUEUE=${taskQueue} durable-agent worker\`).`
        : ` A durable-agent worker on task queue "${taskQueue}" runs it (this MCP server runs none).`;
    return {
      text:
        `Started run ${handle.workflowId}.${workerNote} ` +
        'Follow it with run_status or run_events, answer what it waits for with pending and approve/deny/reply, and get its answer with run_result (waitSeconds to wait).' +
        (url ? ` Temporal UI: ${url}` : ''),
      data: { runId: handle.workflowId, status: 'running', taskQueue, ...(seen !== undefined ? { workerSeen: seen } : {}), ...(url ? { runUrl: url } : {}) },
    };
  },
});
