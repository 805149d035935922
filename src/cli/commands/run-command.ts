import { randomBytes } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { InvalidArgumentError, type Command } from 'commander';
import { AgentClient, validateRunInput, type AgentRunHandle, type AgentRunInput, type AgentRunResult } from '../../client';
import { connectClient, connectWorkerConnection } from '../../config/connect';
import { loadTemporalConfig } from '../../config/temporal-config';
import { createWorker, workerTools } from '../../worker';
import { resolveTemporalTarget, runUrl, uiUrlFor } from '../local-runtime';
import { chooseModel } from '../model-choice';
import { parsePositiveInteger } from '../parse';
import { printRunResult } from '../output';
import { createProgressView } from '../progress';
import { EXIT_CODES } from '../exit-codes';

interface RunOptions {
  maxSteps?: number;
  maxParallel?: number;
  tools?: string;
  model?: string;
  script?: string;
  id?: string;
  detach?: boolean;
  json?: boolean;
}

const POLL_MS = 300;

function toolList(value: string): string[] {
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('Expected a comma-separated list of tool names, got nothing.');
  return names;
}

function inputFrom(goalWords: string[], options: RunOptions): AgentRunInput {
  return validateRunInput({
    goal: goalWords.join(' '),
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
    ...(options.maxParallel !== undefined ? { maxParallel: options.maxParallel } : {}),
    ...(options.tools ? { allowedTools: toolList(options.tools) } : {}),
    ...(options.model ? { model: options.model } : {}),
  });
}

/** `--detach`: start on a server whose workers outlive this command, print the id, return. */
async function startDetached(input: AgentRunInput, options: RunOptions): Promise<void> {
  if (options.script) {
    throw new InvalidArgumentError('--detach cannot be used with --script: the scripted model lives inside this command. Run without --detach.');
  }
  const config = loadTemporalConfig();
  const agent = new AgentClient(await connectClient(config), config);
  try {
    const handle = await agent.start(input, options.id ? { workflowId: options.id } : {});
    const url = runUrl(uiUrlFor(config.address), config.namespace, handle.workflowId);
    if (options.json) process.stdout.write(`${JSON.stringify({ workflowId: handle.workflowId, ...(url ? { runUrl: url } : {}) })}\n`);
    else process.stdout.write(`${handle.workflowId}\n`);
    process.stderr.write(
      `Started on task queue "${config.taskQueue}" at ${config.address}; a worker there (\`durable-agent worker\`) runs it.\n` +
        `Follow it with \`durable-agent status ${handle.workflowId}\` or \`durable-agent result ${handle.workflowId}\`.\n`,
    );
  } finally {
    await agent.close();
  }
}

/** Polls the live state and draws it until `finished` settles or the user presses Ctrl-C. */
async function follow(handle: AgentRunHandle, finished: Promise<AgentRunResult>, json: boolean): Promise<AgentRunResult | undefined> {
  const view = json ? undefined : createProgressView(process.stdout);
  let interrupted: () => void = () => undefined;
  const stopped = new Promise<undefined>((resolve) => (interrupted = () => resolve(undefined)));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let settled = false;
  const outcome = Promise.race([finished, stopped]).finally(() => (settled = true));
  while (!settled) {
    const state = await handle.state().catch(() => undefined);
    if (state && view) view.update(state);
    await Promise.race([outcome, new Promise((resolve) => setTimeout(resolve, POLL_MS))]);
  }
  const result = await outcome;
  if (result && view) view.update(await handle.state().catch(() => undefined) ?? stateFromResult(result));
  view?.done();
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  return result;
}

function stateFromResult(result: AgentRunResult) {
  return { status: result.status, step: result.steps, maxSteps: result.steps, pending: [], usage: result.usage, toolCalls: result.toolCalls, recent: [] };
}

/** `durable-agent run`: the main job in one command. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run an agent for a goal and show its progress; starts the embedded server and a worker when nothing runs.')
    .argument('<goal...>', 'what the agent should achieve')
    .option('--max-steps <n>', 'planning steps before the run stops (default 10)', parsePositiveInteger)
    .option('--max-parallel <n>', 'tool calls of this run that may run at once (default 4)', parsePositiveInteger)
    .option('--tools <a,b>', 'the only tools the agent may use (default: all)')
    .option('--model <name>', 'model name (default: $DURABLE_AGENT_MODEL or gpt-4o-mini)')
    .option('--script <file>', 'answer from a scripted model file instead of an LLM (see docs/scripted-model.md)')
    .option('--id <id>', 'workflow id of the run (default: agent-<date>-<random>)')
    .option('--detach', 'start the run on a running server and worker, print its id, and return')
    .option('--json', 'print the result as JSON (schema in docs/cli.md)')
    .action(async (goalWords: string[], options: RunOptions) => {
      const input = inputFrom(goalWords, options);
      if (options.detach) return startDetached(input, options);
      const say = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);

      // Validate tools (and their configuration) before anything starts listening.
      const tools = workerTools({});
      const unknown = (input.allowedTools ?? []).filter((name) => !tools.some((tool) => tool.spec.name === name));
      if (unknown.length > 0) {
        throw new InvalidArgumentError(`Unknown tool${unknown.length > 1 ? 's' : ''} in --tools: ${unknown.join(', ')}. Available: ${tools.map((tool) => tool.spec.name).join(', ')}.`);
      }
      // Everything started below is stopped in reverse order, whatever fails on the way.
      const cleanup: Array<() => Promise<unknown>> = [];
      try {
        const model = await chooseModel(options.script);
        const scripted = model.scripted;
        if (scripted) cleanup.push(() => scripted.close());
        // The run view is the output; the worker speaks only for warnings, on stderr so `--json` stays parseable.
        Runtime.install({ logger: new DefaultLogger('WARN', (entry) => process.stderr.write(`${entry.level} ${entry.message}\n`)) });
        const target = await resolveTemporalTarget(say);
        cleanup.push(() => target.stop());
        const { config } = target;
        const connection = await connectWorkerConnection(config);
        cleanup.push(() => connection.close());
        const agent = new AgentClient(await connectClient(config), config);
        cleanup.push(() => agent.close());
        // A scripted model lives in this process: give its runs a private queue so no other worker takes them.
        const taskQueue = model.kind === 'openai' ? config.taskQueue : `durable-agent-local-${randomBytes(4).toString('hex')}`;
        const worker = await createWorker({ config, connection, taskQueue, tools, builtinTools: false, model: model.config });
        const working = worker.run();
        cleanup.push(async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await working;
        });

        say(model.notice);
        const handle = await agent.start(input, { taskQueue, ...(options.id ? { workflowId: options.id } : {}) });
        const url = runUrl(target.uiUrl, config.namespace, handle.workflowId);
        say(`Run ${handle.workflowId} started on ${config.address}${url ? ` · ${url}` : ''}`);
        const result = await follow(handle, handle.result(), Boolean(options.json));
        if (!result) {
          say(`\nStopped following. The run is kept on the server; resume it with a worker and see it with \`durable-agent result ${handle.workflowId}\`.`);
          process.exitCode = EXIT_CODES.runNotFinal;
          return;
        }
        printRunResult(result, { workflowId: handle.workflowId, runUrl: url, json: Boolean(options.json) });
        if (target.embedded) {
          say('The embedded server stops with this command; the run is kept in .temporal/dev.sqlite. Browse it with `./bin/durable-agent server` running.');
        }
        process.exitCode = result.status === 'final' ? EXIT_CODES.ok : EXIT_CODES.runNotFinal;
      } finally {
        for (const close of cleanup.reverse()) await close().catch(() => undefined);
      }
    });
}
