import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { NoWorkerAnsweredError, workerAdvice, type AgentRunInput, type AgentRunResult, type ForkAnswer, type ForkOptions } from '../../client';
import { withAgentConnection } from '../agent-connection';
import { EXIT_CODES } from '../exit-codes';
import { printRunResult } from '../output';
import { parsePositiveInteger, parseToolList, recordedToolsOf, UNMATCHED_CHOICES } from '../parse';
import { awaitResultWithWorkerNotice, noWorkerLine, WorkerNeededError } from '../worker-needed';

interface ForkCommandOptions {
  atStep: number;
  model?: string;
  systemPrompt?: string;
  systemPromptFile?: string;
  planning?: AgentRunInput['planning'];
  tools?: string[];
  maxSteps?: number;
  answer?: string;
  answerJson?: string;
  toolResult: string[];
  message?: string;
  toolsFrom?: string;
  unmatched?: 'live' | 'refuse';
  id?: string;
  detach?: boolean;
  json?: boolean;
}

const PLANNING_MODES = ['react', 'dag', 'auto'] as const;

/** `--tool-result s2-1=TEXT` (or `s2-1=@file`), repeatable. */
function collectToolResult(value: string, previous: string[]): string[] {
  if (!/^[^=]+=/.test(value)) throw new InvalidArgumentError(`Expected CALL=TEXT or CALL=@FILE (the call as the run shows it, e.g. s2-1=…), got \`${value}\`.`);
  return [...previous, value];
}

function readArgumentFile(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read ${flag} file ${file}: ${(error as Error).message}`);
  }
}

/** The answer that stands in for the model's: `--answer` text, or `--answer-json` with tool calls. */
function answerOf(options: ForkCommandOptions): { answer?: ForkAnswer } {
  if (options.answer !== undefined && options.answerJson !== undefined) throw new InvalidArgumentError('Give either --answer or --answer-json, not both.');
  if (options.answer !== undefined) return { answer: options.answer };
  if (options.answerJson === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(options.answerJson);
  } catch (error) {
    throw new InvalidArgumentError(`--answer-json is not JSON (${(error as Error).message}); expected {"content"?: "…", "toolCalls": [{"name": "…", "arguments": {…}}]}.`);
  }
  const calls = (parsed as { toolCalls?: unknown })?.toolCalls;
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(calls)) {
    throw new InvalidArgumentError('--answer-json must be an object with a "toolCalls" array: {"content"?: "…", "toolCalls": [{"name": "…", "arguments": {…}}]}.');
  }
  return { answer: parsed as ForkAnswer };
}

/** What the command line asks the fork to change. */
function forkOptionsFrom(options: ForkCommandOptions): ForkOptions {
  if (options.systemPrompt !== undefined && options.systemPromptFile !== undefined) throw new InvalidArgumentError('Give either --system-prompt or --system-prompt-file, not both.');
  const systemPrompt = options.systemPromptFile !== undefined ? readArgumentFile('--system-prompt-file', options.systemPromptFile) : options.systemPrompt;
  const toolResults = Object.fromEntries(
    options.toolResult.map((entry) => {
      const at = entry.indexOf('=');
      const value = entry.slice(at + 1);
      return [entry.slice(0, at).trim(), value.startsWith('@') ? readArgumentFile('--tool-result', value.slice(1)) : value];
    }),
  );
  return {
    atStep: options.atStep,
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(systemPrompt !== undefined ? { systemPrompt } : {}),
    ...(options.planning !== undefined ? { planning: options.planning } : {}),
    ...(options.tools !== undefined ? { allowedTools: options.tools } : {}),
    ...(options.maxSteps !== undefined || options.toolsFrom !== undefined || options.unmatched !== undefined
      ? { input: { ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}), ...recordedToolsOf(options) } }
      : {}),
    ...answerOf(options),
    ...(options.toolResult.length ? { toolResults } : {}),
    ...(options.message !== undefined ? { message: options.message } : {}),
    ...(options.id !== undefined ? { workflowId: options.id } : {}),
  };
}

/** `fork`: a new run from a step of another (docs/forks.md). */
export function registerForkCommand(program: Command): void {
  program
    .command('fork')
    .description("Start a new run from a step of another: the original's transcript up to that step is reused and no earlier tool runs again.")
    .argument('<id>', 'the run to fork (workflow id); it may have ended or still be going')
    .requiredOption('--at-step <n>', 'the step to fork at: the model plans it again (or takes --answer) with what it saw then', parsePositiveInteger)
    .option('--model <name>', 'the model from that step on')
    .option('--system-prompt <text>', 'replace the system prompt')
    .option('--system-prompt-file <file>', 'replace the system prompt with the text of a file')
    .option('--planning <mode>', `planning mode: ${PLANNING_MODES.join(', ')}`, (value: string) => {
      if (!(PLANNING_MODES as readonly string[]).includes(value)) throw new InvalidArgumentError(`Expected one of ${PLANNING_MODES.join(', ')}, got \`${value}\`.`);
      return value as AgentRunInput['planning'];
    })
    .option('--tools <a,b>', 'the only tools the fork may use', parseToolList)
    .option('--max-steps <n>', "the step cap, counted from the original's first step (default: the original's)", parsePositiveInteger)
    .option('--answer <text>', "the final answer at that step instead of the model's")
    .option('--answer-json <json>', 'tool calls at that step instead of the model\'s: {"toolCalls": [{"name": "…", "arguments": {…}}]}')
    .option('--tool-result <call=text>', 'replace the result of an earlier call (s2-1=TEXT or s2-1=@FILE); repeatable', collectToolResult, [])
    .option('--message <text>', 'a user message added before that step is planned')
    .option('--tools-from <run-id>', "answer tool calls from that run's recording when tool and arguments match (often the original itself)")
    .addOption(new Option('--unmatched <what>', 'with --tools-from: a call the recording lacks runs live (default) or is refused').choices([...UNMATCHED_CHOICES]))
    .option('--id <id>', 'workflow id of the fork (default: agent-<date>-<random>)')
    .option('--detach', 'start the fork, print its id and return')
    .option('--json', 'print JSON (schema in docs/cli.md)')
    .action(async (id: string, options: ForkCommandOptions) => {
      const fork = forkOptionsFrom(options);
      await withAgentConnection(async ({ agent, link }) => {
        const handle = await agent.fork(id, fork).catch(async (error: unknown) => {
          if (!(error instanceof NoWorkerAnsweredError)) throw error;
          const original = await agent.getHandle(id).describe();
          throw new WorkerNeededError(`no worker answered for run ${id}, and a fork reads the original through one: ${workerAdvice(original)}`, { cause: error });
        });
        const { taskQueue } = await handle.describe();
        const started = { workflowId: handle.workflowId, forkOf: id, atStep: options.atStep, ...(link(handle.workflowId) ? { runUrl: link(handle.workflowId) } : {}) };
        if (options.detach) {
          process.stdout.write(options.json ? `${JSON.stringify(started)}\n` : `${handle.workflowId}\n`);
          if ((await agent.workerPolls(taskQueue)) === false) {
            process.stderr.write(`durable-agent: the fork waits: ${noWorkerLine(handle.workflowId, taskQueue, agent.config.address)}.\n`);
            process.exitCode = EXIT_CODES.noWorker;
          }
          return;
        }
        process.stderr.write(`Forked ${id} at step ${options.atStep}: ${handle.workflowId}${started.runUrl ? ` (${started.runUrl})` : ''}\n`);
        const result: AgentRunResult = await awaitResultWithWorkerNotice(agent, handle, handle.result());
        printRunResult(result, { workflowId: handle.workflowId, runUrl: link(handle.workflowId), json: Boolean(options.json) });
        process.exitCode = result.status === 'final' ? EXIT_CODES.ok : EXIT_CODES.runNotFinal;
      });
    });
}
