import { InvalidArgumentError, type Command } from 'commander';
import { AgentClient, type AgentRunResult } from '../../client';
import { loadTemporalConfig } from '../../config/temporal-config';
import { EXIT_CODES } from '../exit-codes';
import { runUrl, uiUrlFor } from '../local-runtime';
import { printRunList, printRunResult, printStatus, type StatusReport } from '../output';
import { parsePositiveInteger } from '../parse';

const STATUSES = ['running', 'final', 'max_steps', 'budget_exceeded', 'cancelled', 'failed'] as const;
type ListStatus = (typeof STATUSES)[number];

/** How long `status` waits for a live answer from a worker before it reports the server's view only. */
const QUERY_TIMEOUT_MS = 3_000;

async function withAgentClient<T>(body: (agent: AgentClient, link: (workflowId: string) => string | undefined) => Promise<T>): Promise<T> {
  const config = loadTemporalConfig();
  const agent = await AgentClient.connect(config);
  try {
    return await body(agent, (workflowId) => runUrl(uiUrlFor(config.address), config.namespace, workflowId));
  } finally {
    await agent.close();
  }
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
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
        const handle = agent.getHandle(id);
        const description = await handle.describe();
        const report: StatusReport = { workflowId: id, executionStatus: description.executionStatus, agentStatus: description.agentStatus, step: description.step };
        if (description.executionStatus === 'RUNNING') {
          const state = await within(handle.state(), QUERY_TIMEOUT_MS);
          if (state) Object.assign(report, { agentStatus: state.status, step: state.step, maxSteps: state.maxSteps, pending: state.pending, usage: state.usage, toolCalls: state.toolCalls });
        } else if (description.executionStatus === 'COMPLETED' || description.executionStatus === 'CONTINUED_AS_NEW') {
          const result = await within(handle.result(), QUERY_TIMEOUT_MS);
          if (result) Object.assign(report, { agentStatus: result.status, step: result.steps, usage: result.usage, toolCalls: result.toolCalls, answer: result.answer });
        }
        const url = link(id);
        printStatus({ ...report, ...(url ? { runUrl: url } : {}) }, Boolean(options.json));
      }),
    );

  program
    .command('result')
    .description('Wait for a run to end and print its answer (exit code 0 only for a final answer).')
    .argument('<id>', 'the run id (workflow id)')
    .option('--json', 'print the AgentRunResult as JSON (schema in docs/cli.md)')
    .action(async (id: string, options: { json?: boolean }) =>
      withAgentClient(async (agent, link) => {
        const result: AgentRunResult = await agent.getHandle(id).result();
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
        await handle.cancel();
        const result = await within(handle.result(), 30_000);
        const status = result?.status ?? 'cancel requested';
        if (options.json) process.stdout.write(`${JSON.stringify({ workflowId: id, status })}\n`);
        else process.stdout.write(`${id}: ${status}${result ? '' : ' (no worker ended it within 30 s; it ends when a worker picks it up)'}\n`);
      }),
    );

  program
    .command('list')
    .description('List recent agent runs, newest first.')
    .option('--status <status>', `only runs with this status: ${STATUSES.join(', ')}`, (value: string): ListStatus => {
      if (!(STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`Expected one of ${STATUSES.join(', ')}, got \`${value}\`.`);
      return value as ListStatus;
    })
    .option('--limit <n>', 'most runs shown (default 20)', parsePositiveInteger)
    .option('--json', 'print JSON (schema in docs/cli.md)')
    .action(async (options: { status?: ListStatus; limit?: number; json?: boolean }) =>
      withAgentClient(async (agent) => {
        const runs = await agent.list({ ...(options.status ? { status: options.status } : {}), ...(options.limit ? { limit: options.limit } : {}) });
        printRunList(runs, Boolean(options.json));
      }),
    );
}
