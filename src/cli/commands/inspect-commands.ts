import { InvalidArgumentError, type Command } from 'commander';
import { type AgentClient, LIST_STATUSES, NoWorkerAnsweredError, RunNotFoundError, type AgentRunHandle, type AgentRunResult, type ListStatus, type RunDescription } from '../../client';
import { withAgentConnection } from '../agent-connection';
import { EXIT_CODES } from '../exit-codes';
import { awaitResultWithWorkerNotice, noWorkerLine } from '../worker-needed';
import { isPrivateTaskQueue } from '../../client/worker-advice';
import { printRunList, printRunResult, printStatus, type StatusReport } from '../output';
import { within } from '../within';
import { parsePositiveInteger } from '../parse';
import { statusWithSubAgents, waitingSubAgents } from '../../client/sub-agent-tree';

/** How long `status` waits for a live answer from a worker before it reports the server's view only. */
const QUERY_TIMEOUT_MS = 3_000;
/** How long `cancel` waits for a worker to end the run. */
const CANCEL_WAIT_MS = 30_000;
/** The same for a run on a private queue whose worker is gone for good: it is terminated after this. */
const PRIVATE_CANCEL_WAIT_MS = 3_000;

async function withAgentClient<T>(body: (agent: AgentClient, link: (workflowId: string) => string | undefined) => Promise<T>): Promise<T> {
  return withAgentConnection(({ agent, link }) => body(agent, link));
}

/** What to tell the user when the live-state query of a running run got no answer. */
function noLiveStateNotice(description: RunDescription, error: unknown): string {
  const { workflowId, taskQueue } = description;
  if (!(error instanceof NoWorkerAnsweredError)) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `The live-state query failed (${error instanceof Error ? error.message : String(error)}${cause}); shown is the server's view only.`;
  }
  const why = error.reason === 'timeout' ? `within ${QUERY_TIMEOUT_MS / 1_000} s` : `(the server saw no worker on task queue "${taskQueue}" lately)`;
  if (error.reason === 'timeout' && description.workflowTaskRunning) {
    return (
      `The run's worker is busy inside a workflow task — a model call from a local activity (\`planner: 'local'\`, or the first 200 ms of the default planner's), or fast tool calls (docs/fast-steps.md) — ` +
      `and answers live reads when it ends, or at its heartbeat within about 8 s. Shown is the server's view as of the run's last step; try again in a few seconds.`
    );
  }
  if (isPrivateTaskQueue(taskQueue)) {
    return (
      `No worker answered the live-state query ${why}: this run was started by \`durable-agent run\` with a scripted model, ` +
      `whose private worker (task queue "${taskQueue}") ended with that command, so nothing can resume it. End it with \`durable-agent cancel ${workflowId}\`.`
    );
  }
  return (
    `No worker answered the live-state query ${why}; shown is the server's view only. ` +
    `Start a worker with \`TEMPORAL_TASK_QUEUE=${taskQueue} durable-agent worker\`: it resumes the run where it stopped.`
  );
}

/** `status`: the server's description (no worker needed), plus the live state when a worker answers in time. */
async function statusReport(handle: AgentRunHandle): Promise<{ report: StatusReport; notice?: string }> {
  const description = await handle.describe();
  const { workflowId, executionStatus, agentStatus, step, forkOf, forkedAtStep } = description;
  const report: StatusReport = { workflowId, executionStatus, agentStatus, step, ...(forkOf ? { forkOf, forkedAtStep } : {}) };
  if (executionStatus === 'RUNNING') {
    try {
      const state = await handle.state({ timeoutMs: QUERY_TIMEOUT_MS });
      Object.assign(report, { agentStatus: state.status, step: state.step, maxSteps: state.maxSteps, ...(state.session ? { session: state.session } : {}), pending: state.pending, usage: state.usage, toolCalls: state.toolCalls, live: true });
      // Sub-agents that wait for people make the run wait too, naming them (docs/sub-agents.md).
      const waiting = waitingSubAgents(await handle.subAgents(state).catch(() => []));
      if (waiting.length) {
        report.subAgentWaits = waiting.map(({ path, agents, workflowId, state: child }) => ({ path, agents, workflowId, status: child.status, usage: child.usage, ...(child.budget ? { budget: child.budget } : {}) }));
        report.agentStatus = statusWithSubAgents(state.status, waiting).status;
      }
      // A run waiting for people: which calls and questions, so the next command can be named.
      if (report.agentStatus === 'waiting_for_approval' || report.agentStatus === 'waiting_for_input' || waiting.length) {
        const waiting = await handle.pending();
        report.waitingFor = {
          approvals: waiting.approvals.map((call) => ({ callId: call.callId, tool: call.tool })),
          questions: waiting.questions.map((question) => ({ questionId: question.questionId, question: question.question })),
        };
      }
    } catch (error) {
      if (error instanceof RunNotFoundError) throw error;
      return { report: { ...report, live: false }, notice: noLiveStateNotice(description, error) };
    }
  } else if (executionStatus === 'COMPLETED' || executionStatus === 'CONTINUED_AS_NEW') {
    const result = await within(handle.result(), QUERY_TIMEOUT_MS);
    if (result) Object.assign(report, { agentStatus: result.status, step: result.steps, usage: result.usage, toolCalls: result.toolCalls, answer: result.answer });
  }
  return { report };
}

/**
 * `cancel`: asks the workflow to stop and waits for it. A run on a private queue whose worker is gone (its
 * `run` command ended; no answer to the live-state query) cannot end by itself, so it is terminated after a
 * short wait instead of being left running forever. A private run whose command is still up is cancelled normally.
 */
async function cancelRun(agent: AgentClient, handle: AgentRunHandle, taskQueue: string): Promise<{ status: string; note: string }> {
  const orphan = isPrivateTaskQueue(taskQueue) && !(await handle.state({ timeoutMs: QUERY_TIMEOUT_MS }).then(() => true, () => false));
  await handle.cancel();
  // With no worker on the queue nothing can end it now: say so at once rather than wait.
  if (!orphan && (await agent.workerPolls(taskQueue)) === false) {
    return { status: 'cancel requested', note: ` (${noWorkerLine(handle.workflowId, taskQueue, agent.config.address)}; it ends as cancelled when one picks it up)` };
  }
  const result: AgentRunResult | undefined = await within(handle.result(), orphan ? PRIVATE_CANCEL_WAIT_MS : CANCEL_WAIT_MS);
  if (result) return { status: result.status, note: '' };
  if (orphan) {
    await handle.terminate('cancelled with durable-agent cancel; its private worker (a scripted `run`) is gone, so it could not end by itself');
    return { status: 'terminated', note: ' (its private worker ended with the `run` command that started it, so it was terminated)' };
  }
  return { status: 'cancel requested', note: ` (no worker ended it within ${CANCEL_WAIT_MS / 1_000} s; it ends when a worker on task queue "${taskQueue}" picks it up)` };
}

/** `status`, `result`, `cancel`, `list`: follow and steer runs from anywhere. */
export function registerInspectCommands(program: Command): void {
  program
    .command('status')
    .description('Show where a run stands: status, step, calls in flight, token usage.')
    .argument('<id>', 'the run id (workflow id)')
    .option('--json', 'print JSON (schema in docs/cli.md)')
    .action(async (id: string, options: { json?: boolean }) =>
      withAgentClient(async (agent, link) => {
        const { report, notice } = await statusReport(agent.getHandle(id));
        const url = link(id);
        const originUrl = report.forkOf ? link(report.forkOf) : undefined;
        printStatus({ ...report, ...(url ? { runUrl: url } : {}), ...(originUrl ? { forkOfUrl: originUrl } : {}) }, Boolean(options.json));
        if (notice) process.stderr.write(`${notice}\n`);
      }),
    );

  program
    .command('result')
    .description('Wait for a run to end and print its answer (exit code 0 only for a final answer).')
    .argument('<id>', 'the run id (workflow id)')
    .option('--json', 'print the AgentRunResult as JSON (schema in docs/cli.md)')
    .action(async (id: string, options: { json?: boolean }) =>
      withAgentClient(async (agent, link) => {
        const handle = agent.getHandle(id);
        const result: AgentRunResult = await awaitResultWithWorkerNotice(agent, handle, handle.result());
        printRunResult(result, { workflowId: id, runUrl: link(id), json: Boolean(options.json) });
        process.exitCode = result.status === 'final' ? EXIT_CODES.ok : EXIT_CODES.runNotFinal;
      }),
    );

  program
    .command('cancel')
    .description('Cancel a run: calls in flight are cancelled and the run ends with status "cancelled".')
    .argument('<id>', 'the run id (workflow id)')
    .option('--json', 'print JSON (schema in docs/cli.md)')
    .action(async (id: string, options: { json?: boolean }) =>
      withAgentClient(async (agent) => {
        const handle = agent.getHandle(id);
        const description = await handle.describe();
        if (description.executionStatus !== 'RUNNING') {
          const status = description.agentStatus ?? description.executionStatus.toLowerCase();
          if (options.json) process.stdout.write(`${JSON.stringify({ workflowId: id, status, alreadyEnded: true })}\n`);
          else process.stdout.write(`${id}: already ended (${status}); nothing to cancel\n`);
          return;
        }
        const { status, note } = await cancelRun(agent, handle, description.taskQueue);
        if (options.json) process.stdout.write(`${JSON.stringify({ workflowId: id, status })}\n`);
        else process.stdout.write(`${id}: ${status}${note}\n`);
      }),
    );

  program
    .command('list')
    .description('List recent agent runs, newest first.')
    .option('--status <status>', `only runs with this status: ${LIST_STATUSES.join(', ')}`, (value: string): ListStatus => {
      if (!(LIST_STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`Expected one of ${LIST_STATUSES.join(', ')}, got \`${value}\`.`);
      return value as ListStatus;
    })
    .option('--limit <n>', 'most runs shown (default 20)', parsePositiveInteger)
    .option('--forks-of <id>', 'only the forks of this run (durable-agent fork)')
    .option('--json', 'print JSON (schema in docs/cli.md)')
    .action(async (options: { status?: ListStatus; limit?: number; forksOf?: string; json?: boolean }) =>
      withAgentClient(async (agent) => {
        const runs = await agent.list({ ...(options.status ? { status: options.status } : {}), ...(options.limit ? { limit: options.limit } : {}), ...(options.forksOf !== undefined ? { forksOf: options.forksOf } : {}) });
        printRunList(runs, Boolean(options.json));
      }),
    );
}
