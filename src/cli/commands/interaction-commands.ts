import { InvalidArgumentError, type Command } from 'commander';
import { NoWorkerAnsweredError, type AgentRunHandle, type Pending } from '../../client';
import { withAgentConnection } from '../agent-connection';
import { pendingText } from '../interaction-output';
import { awaitWithWorkerNotice, WorkerNeededError, workerAdvice } from '../worker-needed';

/** How long `pending` waits for a worker to answer before it says that one is needed. */
const QUERY_TIMEOUT_MS = 3_000;

/** Parses `--args JSON` into an object of edited arguments. */
export function parseArgumentsJson(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`Expected --args to be a JSON object such as '{"path":"README.md"}', got \`${value}\` (${(error as Error).message}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`Expected --args to be a JSON object such as '{"path":"README.md"}', got \`${value}\`.`);
  }
  return parsed as Record<string, unknown>;
}

/** What a run waits for from people, with its status; a run that has ended waits for nothing. Needs a worker for a live run. */
async function pendingOf(handle: AgentRunHandle): Promise<{ status: string; pending: Pending }> {
  const description = await handle.describe();
  if (description.executionStatus !== 'RUNNING') {
    return { status: description.agentStatus ?? description.executionStatus.toLowerCase(), pending: { approvals: [], questions: [] } };
  }
  try {
    const state = await handle.state({ timeoutMs: QUERY_TIMEOUT_MS });
    return { status: state.status, pending: await handle.pending() };
  } catch (error) {
    if (!(error instanceof NoWorkerAnsweredError)) throw error;
    throw new WorkerNeededError(`no worker answered for run ${handle.workflowId}, and what it waits for is known only to a worker: ${workerAdvice(description)}`, { cause: error });
  }
}

/** `pending`, `approve`, `deny`, `reply`: a person's part in a run. */
export function registerInteractionCommands(program: Command): void {
  program
    .command('pending')
    .description('Show the calls of a run awaiting a decision and its open questions, with the commands that answer them.')
    .argument('<id>', 'the run id (workflow id)')
    .option('--json', 'print {approvals, questions} as JSON (schema in docs/cli.md)')
    .action(async (id: string, options: { json?: boolean }) =>
      withAgentConnection(async ({ agent }) => {
        const { status, pending } = await pendingOf(agent.getHandle(id));
        process.stdout.write(options.json ? `${JSON.stringify(pending)}\n` : pendingText(id, pending, status));
      }),
    );

  program
    .command('approve')
    .description('Approve a call that awaits a decision; it runs as soon as a worker takes the decision.')
    .argument('<id>', 'the run id (workflow id)')
    .argument('<callId>', 'the call id, as `pending` shows it (s<step>-<n>)')
    .option('--args <json>', 'run the call with these arguments instead (a JSON object, checked against the tool\'s schema)', parseArgumentsJson)
    .action(async (id: string, callId: string, options: { args?: Record<string, unknown> }) =>
      withAgentConnection(async ({ agent }) => {
        const handle = agent.getHandle(id);
        await awaitWithWorkerNotice(handle, handle.approve(callId, options.args ? { arguments: options.args } : {}), 'decision');
        process.stdout.write(`Approved ${callId} of run ${id}${options.args ? ' with edited arguments' : ''}: the call runs now.\n`);
      }),
    );

  program
    .command('deny')
    .description('Deny a call that awaits a decision; it never runs, and the model is told why.')
    .argument('<id>', 'the run id (workflow id)')
    .argument('<callId>', 'the call id, as `pending` shows it (s<step>-<n>)')
    .option('--reason <text>', 'why, for the model (it reads `ToolDenied: a person denied the call: <reason>`)')
    .action(async (id: string, callId: string, options: { reason?: string }) =>
      withAgentConnection(async ({ agent }) => {
        const handle = agent.getHandle(id);
        await awaitWithWorkerNotice(handle, handle.deny(callId, options.reason), 'decision');
        process.stdout.write(`Denied ${callId} of run ${id}${options.reason ? ` (reason: ${options.reason})` : ''}: it will not run.\n`);
      }),
    );

  program
    .command('reply')
    .description("Answer the run's open question (asked with ask_user).")
    .argument('<id>', 'the run id (workflow id)')
    .argument('<text...>', 'the answer')
    .option('--question <id>', 'which question, when several are open (its id, as `pending` shows it)')
    .action(async (id: string, words: string[], options: { question?: string }) =>
      withAgentConnection(async ({ agent }) => {
        const handle = agent.getHandle(id);
        const { questionId } = await awaitWithWorkerNotice(handle, handle.reply(words.join(' '), options.question), 'reply');
        process.stdout.write(`Answered question ${questionId} of run ${id}.\n`);
      }),
    );
}
