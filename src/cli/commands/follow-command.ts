import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { NoWorkerAnsweredError, RunNotFoundError, type AgentClient, type AgentRunHandle, type ModelStreamChunk } from '../../client';
import { CALL_PATH_SEPARATOR } from '../../client/run-handle';
import { AGENT_TOOL_PREFIX } from '../../contracts/agent-definition';
import { withAgentConnection } from '../agent-connection';
import { EXIT_CODES } from '../exit-codes';
import { approvalCommands, eventLine, replyCommand } from '../interaction-output';
import { printRunResult } from '../output';
import { followText } from '../live-text';
import { inlineText } from '../progress';
import { within } from '../within';
import { parseNonNegativeInteger } from '../parse';
import { WorkerNeededError, workerAdvice } from '../worker-needed';

/** How long `follow` waits for a worker to answer its first read. */
const QUERY_TIMEOUT_MS = 3_000;
/**
 * A run ended from outside (terminated, timed out) never logs `run_ended`: once its result says so, the log is
 * read this much longer (for what was already there), then following stops.
 */
const DRAIN_AFTER_OUTSIDE_END_MS = 1_000;
/**
 * Once the log has ended, how long the model's text may take to end too (its last call's `done` comes from a query,
 * which a loaded machine may answer late); the text stream ends with the run, so this is only a bound.
 */
const TEXT_DRAIN_MS = 10_000;

/**
 * Checks that the run exists and, while it runs, that a worker answers for it (its live event log is read through a
 * query). An ended run's log is read from the server (its memo): no worker is needed, and none replays it.
 */
async function ensureReadable(handle: AgentRunHandle): Promise<void> {
  const description = await handle.describe();
  if (description.executionStatus !== 'RUNNING') return;
  const deadline = Date.now() + QUERY_TIMEOUT_MS;
  for (;;) {
    try {
      await handle.state({ timeoutMs: Math.max(500, deadline - Date.now()) });
      return;
    } catch (error) {
      if (!(error instanceof NoWorkerAnsweredError)) throw error;
      // A worker that is still starting (`run` starts its run before its worker polls) has not been seen yet: ask again.
      if (error.reason === 'no poller' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      throw new WorkerNeededError(`no worker answered for run ${handle.workflowId}, and its event log is read through one: ${workerAdvice(description)}`, { cause: error });
    }
  }
}

/** A chunk of the model's text as `follow --json --text-json` prints it: `type` is `model_text`, `chunk` says which kind. */
function textObject(chunk: ModelStreamChunk): Record<string, unknown> {
  const { type, ...rest } = chunk;
  return { type: 'model_text', chunk: type, ...rest };
}

/** How long a sub-agent's run may take to appear after its call started (its parent starts it right after). */
const CHILD_APPEARS_MS = 30_000;

/** Where an event is in the tree of runs: the calls from the followed run down (`s1-1/s2-1`), and the agents. */
interface Nesting {
  path: string[];
  agents: string[];
}

/**
 * Prints one run's events (the followed run's, or a sub-agent's nested under the call that started it, docs/sub-agents.md):
 * a call of an `agent__<name>` tool starts following that child's log, whose lines are indented under it.
 */
async function printEvents(agent: AgentClient, rootId: string, handle: AgentRunHandle, nesting: Nesting, options: { from: number; json: boolean; signal: AbortSignal }, write: (line: string) => void): Promise<void> {
  const children: Array<Promise<void>> = [];
  const indent = '    '.repeat(nesting.path.length);
  const label = nesting.path.length ? `${indent}[${nesting.path.join('/')} ${nesting.agents.join('/')}] ` : '';
  const pathOf = (callId: string) => [...nesting.path, callId].join(CALL_PATH_SEPARATOR);
  for await (const event of handle.events({ from: options.from, signal: options.signal })) {
    if (options.json) write(JSON.stringify(nesting.path.length ? { ...event, path: nesting.path.join(CALL_PATH_SEPARATOR), agents: nesting.agents } : event));
    else {
      write(`${label}${eventLine(event)}`);
      if (event.type === 'approval_needed' && event.callId) for (const command of approvalCommands(rootId, pathOf(event.callId))) write(`${indent}    ${command}`);
      if (event.type === 'question_asked' && event.callId) write(`${indent}    ${replyCommand(rootId, pathOf(event.callId), true)}`);
      // A pause on the budget, the run's own or a sub-agent's, is raised through the followed run.
      if (event.type === 'budget_exhausted') write(`${indent}    durable-agent raise-budget ${rootId} --tokens N | --usd N | --time D`);
    }
    if (event.type === 'call_started' && event.callId && event.tool?.startsWith(AGENT_TOOL_PREFIX)) {
      const child = agent.getHandle(`${handle.workflowId}.${event.callId}`);
      const nested = { path: [...nesting.path, event.callId], agents: [...nesting.agents, event.tool.slice(AGENT_TOOL_PREFIX.length)] };
      children.push(untilReadable(child, options.signal).then((ready) => (ready ? printEvents(agent, rootId, child, nested, { ...options, from: 0 }, write) : undefined)).catch(() => undefined));
    }
  }
  await Promise.all(children);
}

/** Waits until a sub-agent's run exists (true), or gives up (false) after CHILD_APPEARS_MS or when following stops. */
async function untilReadable(child: AgentRunHandle, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + CHILD_APPEARS_MS;
  while (!signal.aborted && Date.now() < deadline) {
    try {
      await child.describe();
      return true;
    } catch (error) {
      if (!(error instanceof RunNotFoundError)) throw error;
      await sleep(200);
    }
  }
  return false;
}

/** `follow`: a run's events as they come, until it ends. */
export function registerFollowCommand(program: Command): void {
  program
    .command('follow')
    .description("Print a run's events as they come until it ends (exit code 0 only for a final answer).")
    .argument('<id>', 'the run id (workflow id)')
    .option('--from <n>', 'start at this offset of the event log (default 0: from the start)', parseNonNegativeInteger)
    .option('--json', 'print one JSON object per event per line (schema in docs/cli.md)')
    .option('--no-text', "do not show the model's text as it writes")
    .option('--text-json', "with --json, also print the model's text as it writes, as `model_text` objects (docs/streaming.md)")
    .action(async (id: string, options: { from?: number; json?: boolean; text: boolean; textJson?: boolean }) =>
      withAgentConnection(async ({ agent, link }) => {
        const handle = agent.getHandle(id);
        await ensureReadable(handle);
        const stop = new AbortController();
        const ending = handle.result();
        ending.catch(() => setTimeout(() => stop.abort(), DRAIN_AFTER_OUTSIDE_END_MS));
        const inline = inlineText(process.stdout);
        const showText = options.json ? options.textJson === true : options.text;
        const texting = showText
          ? followText(handle, (chunk) => (options.json ? process.stdout.write(`${JSON.stringify(textObject(chunk))}\n`) : inline.text(chunk)), stop.signal)
          : Promise.resolve();
        const write = (line: string) => {
          if (!options.json) inline.end();
          process.stdout.write(`${line}\n`);
        };
        await printEvents(agent, id, handle, { path: [], agents: [] }, { from: options.from ?? 0, json: options.json === true, signal: stop.signal }, write);
        // The same answer as `result`: a run ended from outside rejects here, with its own message (exit 1).
        const result = await ending;
        await within(texting, TEXT_DRAIN_MS);
        inline.end();
        if (!options.json) {
          process.stdout.write(`Run ${id} ended: ${result.status}.\n`);
          printRunResult(result, { workflowId: id, runUrl: link(id), json: false });
        }
        process.exitCode = result.status === 'final' ? EXIT_CODES.ok : EXIT_CODES.runNotFinal;
      }),
    );
}
