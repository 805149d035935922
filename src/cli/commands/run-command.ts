import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfiguredAgents } from '../../agents/agent-files';
import { AgentClient, DEFAULT_MAX_STEPS, type AgentRunHandle, type AgentRunInput, type AgentRunResult } from '../../client';
import { connectClient, TemporalConnectionLostError } from '../../config/connect';
import { loadTemporalConfig } from '../../config/temporal-config';
import { PRIVATE_RUN_CANCEL_GRACE_MS, startLocalRuntime, type LocalRuntime } from '../../runtime';
import { AGENT_TOOL_PREFIX } from '../../contracts/agent-definition';
import { installCliRuntime } from '../cli-runtime';
import { EXIT_CODES } from '../exit-codes';
import { noWorkerLine } from '../worker-needed';
import { followRun } from '../follow-run';
import { listenForInterrupts, type Interrupts } from '../interrupts';
import { createAttendant } from '../pending-notice';
import { printRunResult } from '../output';
import { within } from '../within';
import { parseDuration, parseFastTools, parsePositiveInteger, parseToolList, parseUsd, UNMATCHED_CHOICES } from '../parse';
import { createProgressView } from '../progress';
import { checkToolNames, chosenAgent, inputFrom, toolListLabels, type RunOptions } from '../run-flags';

/** After Ctrl-C, how long a cancelled private run gets to end before it is terminated. */
const CANCEL_GRACE_MS = PRIVATE_RUN_CANCEL_GRACE_MS;

/** `--detach`: start on a server whose workers outlive this command, print the id, return. */
async function startDetached(input: AgentRunInput, options: RunOptions): Promise<void> {
  if (options.script) {
    throw new InvalidArgumentError('--detach cannot be used with --script: the scripted model lives inside this command. Run without --detach.');
  }
  const config = loadTemporalConfig();
  const agent = new AgentClient(await connectClient(config), config);
  try {
    const handle = await agent.start(input, options.id ? { workflowId: options.id } : {});
    const url = await agent.runUrl(handle.workflowId);
    if (options.json) process.stdout.write(`${JSON.stringify({ workflowId: handle.workflowId, ...(url ? { runUrl: url } : {}) })}\n`);
    else process.stdout.write(`${handle.workflowId}\n`);
    process.stderr.write(
      `Started on task queue "${config.taskQueue}" at ${config.address}; a worker there (\`durable-agent worker\`) runs it.\n` +
        `Follow it with \`durable-agent status ${handle.workflowId}\` or \`durable-agent result ${handle.workflowId}\`.\n`,
    );
    // Nothing waits here: a run that no worker will take is said at once, with its own exit code.
    if ((await agent.workerPolls(config.taskQueue)) === false) {
      process.stderr.write(`durable-agent: the run waits: ${noWorkerLine(handle.workflowId, config.taskQueue, config.address)}.\n`);
      process.exitCode = EXIT_CODES.noWorker;
    }
  } finally {
    await agent.close();
  }
}


/**
 * Ctrl-C on a run whose worker lives in this process only (scripted model, private task queue): nothing could
 * ever resume it, so it is cancelled while the worker still polls, and terminated if that does not end it soon.
 */
async function endPrivateRun(handle: AgentRunHandle, say: (line: string) => void): Promise<AgentRunResult | undefined> {
  say(`\nInterrupted: cancelling run ${handle.workflowId} (its model and worker live in this command, so nothing could resume it later)…`);
  await handle.cancel({ timeoutMs: CANCEL_GRACE_MS }).catch(() => undefined);
  const result = await within(handle.result(), CANCEL_GRACE_MS);
  if (result) {
    say(`Run ${handle.workflowId} ${result.status === 'cancelled' ? 'was cancelled' : `ended (${result.status})`}.`);
    return result;
  }
  try {
    await handle.terminate('durable-agent run was interrupted (Ctrl-C) and the run did not end within 3 s of its cancel request', { timeoutMs: CANCEL_GRACE_MS });
    say(`Run ${handle.workflowId} was terminated: it did not end within ${CANCEL_GRACE_MS / 1_000} s of the cancel request.`);
  } catch {
    // It may have ended just now; otherwise say plainly that it is left behind.
    const description = await within(handle.describe(), CANCEL_GRACE_MS);
    const status = description && (description.agentStatus ?? description.executionStatus.toLowerCase());
    say(
      status && status !== 'running'
        ? `Run ${handle.workflowId} ended (${status}).`
        : `Run ${handle.workflowId} could not be cancelled or terminated (is the server still up?); end it with \`durable-agent cancel ${handle.workflowId}\`.`,
    );
  }
  return undefined;
}

/**
 * The in-process worker could not start after the run was started: a run on a private queue is terminated (no other
 * worker could ever take it); one on the shared queue is left for any worker there, and the command says so.
 */
async function abandonUnstartedRun(handle: AgentRunHandle, runtime: LocalRuntime, say: (line: string) => void, leaveBehind: (words: string | undefined) => void): Promise<void> {
  if (!runtime.privateQueue) {
    say(`Run ${handle.workflowId} waits on task queue "${runtime.taskQueue}": the worker of this command could not start. A \`durable-agent worker\` there runs it; \`durable-agent cancel ${handle.workflowId}\` stops it.`);
    return;
  }
  const ended = await handle.terminate('the worker of `durable-agent run` could not start', { timeoutMs: CANCEL_GRACE_MS }).then(
    () => true,
    () => false,
  );
  say(ended ? `Run ${handle.workflowId} was terminated: the worker of this command could not start, and no other worker takes its private task queue.` : `Run ${handle.workflowId} could not be terminated; end it with \`durable-agent cancel ${handle.workflowId}\`.`);
  if (ended) leaveBehind(undefined);
}

/** How often the run is described while its first workflow task is awaited. */
const FIRST_TASK_POLL_MS = 100;
/** After this long the follow reads the run's events anyway. */
const FIRST_TASK_MAX_MS = 30_000;

/**
 * Resolves once the run's first workflow task is done (its history holds more than its start and that task), or when
 * `stop` is aborted, or after {@link FIRST_TASK_MAX_MS}. The worker may still be starting when the run starts; a
 * query sent before that task is held by the server and the first step would show a second or more late.
 */
async function firstTaskDone(agent: AgentClient, workflowId: string, stop: AbortSignal): Promise<void> {
  const handle = agent.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + FIRST_TASK_MAX_MS;
  while (!stop.aborted && Date.now() < deadline) {
    const length = await handle.describe().then(
      (description) => description.historyLength,
      () => undefined,
    );
    // Started, task scheduled, started, completed: 4 events once the first task is done (undefined: read anyway).
    if (length === undefined || length >= 4) return;
    await sleep(FIRST_TASK_POLL_MS, undefined, { signal: stop }).catch(() => undefined);
  }
}

/** How `runAndFollow` talks to the user and to the Ctrl-C handling of the command. */
interface RunContext {
  say: (line: string) => void;
  json: boolean;
  interrupts: Interrupts;
  /** What a second Ctrl-C should say is left behind (undefined: nothing). */
  leaveBehind: (words: string | undefined) => void;
}

/** Starts the run on the runtime's queue, follows it until it ends (or Ctrl-C), prints the result; returns the exit code. */
async function runAndFollow(runtime: LocalRuntime, input: AgentRunInput, options: RunOptions, { say, json, interrupts, leaveBehind }: RunContext): Promise<number> {
  const { agent, config, taskQueue, privateQueue } = runtime;
  // The run starts while the worker may still be starting: it waits on the queue until the worker polls.
  let workerFailed = false;
  runtime.workerReady.catch(() => (workerFailed = true));
  const handle = await agent.start(input, { taskQueue, ...(options.id ? { workflowId: options.id } : {}) });
  if (privateQueue) {
    leaveBehind(`Run ${handle.workflowId} may still be running with no worker that could resume it: end it with \`durable-agent cancel ${handle.workflowId}\`.`);
  }
  const url = runtime.runUrl(handle.workflowId);
  say(`Run ${handle.workflowId} started on ${config.address}${url ? ` · ${url}` : ''}`);
  const view = json ? undefined : createProgressView(process.stdout);
  // What the run waits for from people: asked inline on a terminal, otherwise printed with the commands that answer it.
  const attendant = createAttendant({
    handle,
    interactive: !json && Boolean(process.stdin.isTTY && process.stdout.isTTY),
    print: (lines) => (view ? view.note(lines) : process.stderr.write(`${lines.join('\n')}\n`)),
    ...(view ? { view } : {}),
  });
  const maxSteps = input.maxSteps ?? DEFAULT_MAX_STEPS;
  const firstTask = new AbortController();
  const firstRead = firstTaskDone(agent, handle.workflowId, firstTask.signal);
  const outcome = await followRun({ handle, working: runtime.working, interrupted: interrupts.received, view, onEvent: attendant.onEvent, maxSteps, address: config.address, firstRead })
    .catch(async (error: unknown) => {
      if (workerFailed) await abandonUnstartedRun(handle, runtime, say, leaveBehind);
      throw error;
    })
    .finally(() => {
      firstTask.abort();
      attendant.stop();
    });

  let result: AgentRunResult | undefined;
  if (outcome.kind === 'ended') {
    result = outcome.result;
  } else if (privateQueue) {
    result = await endPrivateRun(handle, say);
    leaveBehind(undefined);
  } else {
    say(
      `\nStopped following (${outcome.signal}). Run ${handle.workflowId} goes on: any worker on task queue "${taskQueue}" ` +
        `(\`durable-agent worker\`) continues it. See it with \`durable-agent status ${handle.workflowId}\`, stop it with \`durable-agent cancel ${handle.workflowId}\`.`,
    );
  }
  if (!result) return EXIT_CODES.runNotFinal;
  printRunResult(result, { workflowId: handle.workflowId, runUrl: url, json });
  if (runtime.embedded) {
    say('The embedded server stops with this command; the run is kept in .temporal/dev.sqlite. Browse it with `./bin/durable-agent server` running.');
  }
  return result.status === 'final' ? EXIT_CODES.ok : EXIT_CODES.runNotFinal;
}

/** `durable-agent run`: the main job in one command. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run an agent for a goal and show its progress; starts the embedded server and a worker when nothing runs.')
    .argument('<goal...>', 'what the agent should achieve')
    .option('--max-steps <n>', 'planning steps before the run stops (default 10)', parsePositiveInteger)
    .option('--max-parallel <n>', 'tool calls of this run that may run at once (default 4)', parsePositiveInteger)
    .option('--tools <a,b>', 'the only tools the agent may use (default: all; "" for none)', parseToolList)
    .option('--model <name>', 'model name (default: $DURABLE_AGENT_MODEL or gpt-4o-mini)')
    .option('--max-tokens <n>', 'token budget: stop with budget_exceeded once input + output tokens reach it', parsePositiveInteger)
    .option('--max-time <duration>', 'wall-time budget, e.g. 90s, 10m, 2h: stop with budget_exceeded once it is used up', parseDuration)
    .option('--max-cost <usd>', 'cost budget in USD, e.g. 0.50 (priced per model: docs/cli.md)', parseUsd)
    .addOption(new Option('--on-budget <what>', 'when a budget is used up: stop (budget_exceeded, the default) or pause (waiting_for_budget until `durable-agent raise-budget`)').choices(['stop', 'pause']))
    .option('--system-prompt <text>', 'replace the default system prompt')
    .option('--system-prompt-file <file>', 'replace the default system prompt with the text of a file')
    .option('--require-approval <a,b>', 'tools whose calls wait for `durable-agent approve` (or deny) before they run', parseToolList)
    .option('--approval-timeout <duration>', 'how long a call waits for a decision (or a question for its answer) before it is denied, e.g. 10m (default 24h)', parseDuration)
    .addOption(
      new Option('--planning <mode>', 'react: plain tool calls; auto: also offer submit_plan (a graph of dependent calls run eagerly); dag: offer it and prefer it').choices([
        'react',
        'dag',
        'auto',
      ]),
    )
    .addOption(new Option('--planner <mode>', "auto (default): the model is called from a local activity, handed to an activity when it has not answered in 200 ms; activity: always an activity; local: always a local activity (no live text)").choices(['auto', 'activity', 'local']))
    .option('--fast-tools <a,b|none>', 'tools whose calls run as local activities on the run’s worker (default: those that declare `fast`; none: every call is an activity; docs/fast-steps.md)', parseFastTools)
    .option('--tool-queues <a,b>', 'also use the tools of the tool workers on these task queues (durable-agent worker --tools … --task-queue Q)', parseToolList)
    .option('--mcp-config <file>', 'offer the tools of these MCP servers too ({"mcpServers": …}; default: $DURABLE_AGENT_MCP_CONFIG)')
    .option('--tools-from <run-id>', "answer tool calls from that run's recording when tool and arguments match (docs/forks.md)")
    .addOption(new Option('--unmatched <what>', 'with --tools-from: a call the recording lacks runs live (default) or is refused').choices([...UNMATCHED_CHOICES]))
    .option('--script <file>', 'answer from a scripted model file instead of an LLM (see docs/scripted-model.md)')
    .option('--agent <name>', "run this agent of the agents folder: its instructions, model, tools, planning, budget and approvals, each overridden by the flag given (docs/sub-agents.md)")
    .option('--agents <dir>', 'the folder of agent files, one <name>.md per agent; the run may call them as tools agent__<name> (default: $DURABLE_AGENT_AGENTS_DIR)')
    .option('--id <id>', 'workflow id of the run (default: agent-<date>-<random>); an id already used is refused')
    .option('--detach', 'start the run on a running server and worker, print its id, and return')
    .option('--json', 'print the result as JSON (schema in docs/cli.md)')
    .action(async (goalWords: string[], options: RunOptions) => {
      const configured = loadConfiguredAgents(options.agents);
      const agent = chosenAgent(options.agent, configured);
      const input = inputFrom(goalWords, options, agent);
      const agents = configured?.agents ?? [];
      if (options.detach) return startDetached(input, options);
      const json = Boolean(options.json);
      const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
      // What a second Ctrl-C leaves behind: set once a private run exists.
      let leftBehind: string | undefined;
      const interrupts = listenForInterrupts(() => leftBehind);
      const { id } = options;
      let runtime: LocalRuntime | undefined;
      let serverLost = false;
      try {
        // Worker and core logs go to stderr (so `--json` stays one document); signals are ours to handle.
        installCliRuntime({ shutdownOnSignals: false, compact: true, hideConnectionRetries: true });
        runtime = await startLocalRuntime({
          onProgress: say,
          // The first line, within moments: which model answers (the one the run asks for with --model, not the worker's default).
          onModel: (model) => {
            say(model.noticeFor(input.model));
            if (input.allowedTools?.length === 0) say('Tools: none (--tools is empty): the model is offered no tools.');
          },
          // The run starts as soon as the server answers; it waits on the queue while the worker starts.
          returnBeforeWorker: true,
          ...(options.script ? { script: options.script } : {}),
          ...(options.mcpConfig ? { mcpConfig: options.mcpConfig } : {}),
          ...(agents.length ? { agents } : {}),
          // The agents are tools of the run too (`agent__<name>`): an agent's `tools` may name them.
          checkTools: (names) => checkToolNames(input, [...names, ...agents.map((each) => `${AGENT_TOOL_PREFIX}${each.name}`)], toolListLabels(options, agent)),
          // A taken --id is refused before the worker is built (seconds of bundling); `start` checks again.
          ...(id ? { beforeWorker: (agent: AgentClient) => agent.ensureIdFree(id) } : {}),
        });
        if (interrupts.signal) {
          say('Interrupted before the run started: nothing was started.');
          process.exitCode = EXIT_CODES.runNotFinal;
          return;
        }
        process.exitCode = await runAndFollow(runtime, input, options, { say, json, interrupts, leaveBehind: (words) => (leftBehind = words) });
      } catch (error) {
        if (error instanceof TemporalConnectionLostError) serverLost = true;
        throw error;
      } finally {
        await runtime?.close({ serverLost });
        interrupts.dispose();
      }
    });
}
