import { activeTracing } from '../observability/tracing';
import { within } from './within';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  classifyServerError,
  InteractionRefusedError,
  InvalidRunInputError,
  NoWorkerAnsweredError,
  NoWorkerTookRequestError,
  RunEndedWithoutResultError,
  RunIdTakenError,
  RunNotFoundError,
  ServerBusyError,
  ServerPreconditionError,
  ServerTimeoutError,
  SessionEndedError,
  simpleInteractions,
  type ServerRequestError,
} from '../client';
import { isConnectionFailure, TemporalConnectionLostError, TemporalUnreachableError } from '../config/connect';
import { ScriptError } from '../scripted-model/script';
import { PayloadDecryptionError } from '../codec/encryption-codec';
import { ConfigurationError } from '../config/temporal-config';
import { DevServerStartError } from '../temporal-server/dev-server';
import { TemporalBinaryUnavailableError } from '../temporal-server/temporal-binary';
import { EXIT_CODES } from './exit-codes';
import { WorkerNeededError } from './worker-needed';

/** The package's version (package.json sits two folders up from both src/cli and dist/cli). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

type Register = (program: Command) => void;

/**
 * The modules of commands, in the order `--help` lists them, each with the names of the commands it adds. A command
 * loads only its own module: `run` does not pay for `cluster` or `mcp-server` (test/unit/cli-commands.test.ts keeps
 * the names true).
 */
// `require`, not `import()`: running the sources under tsx, import() is an ES module import, which needs extensions.
/* eslint-disable @typescript-eslint/no-require-imports */
export const COMMAND_MODULES: ReadonlyArray<{ names: () => readonly string[]; load: () => Register }> = [
  { names: () => ['run'], load: () => (require('./commands/run-command') as Record<'registerRunCommand', Register>).registerRunCommand },
  { names: () => ['agents'], load: () => (require('./commands/agents-command') as Record<'registerAgentsCommand', Register>).registerAgentsCommand },
  { names: () => ['status', 'result', 'cancel', 'list'], load: () => (require('./commands/inspect-commands') as Record<'registerInspectCommands', Register>).registerInspectCommands },
  { names: () => ['pending', 'approve', 'deny', 'reply'], load: () => (require('./commands/interaction-commands') as Record<'registerInteractionCommands', Register>).registerInteractionCommands },
  { names: () => simpleInteractions().map((spec) => spec.simple.command), load: () => (require('./commands/table-commands') as Record<'registerTableCommands', Register>).registerTableCommands },
  { names: () => ['fork'], load: () => (require('./commands/fork-command') as Record<'registerForkCommand', Register>).registerForkCommand },
  { names: () => ['eval'], load: () => (require('./commands/eval-command') as Record<'registerEvalCommand', Register>).registerEvalCommand },
  { names: () => ['follow'], load: () => (require('./commands/follow-command') as Record<'registerFollowCommand', Register>).registerFollowCommand },
  { names: () => ['send', 'chat', 'close', 'raise-budget'], load: () => (require('./commands/session-commands') as Record<'registerSessionCommands', Register>).registerSessionCommands },
  { names: () => ['worker'], load: () => (require('./commands/worker-command') as Record<'registerWorkerCommand', Register>).registerWorkerCommand },
  { names: () => ['server'], load: () => (require('./commands/server-command') as Record<'registerServerCommand', Register>).registerServerCommand },
  { names: () => ['cluster'], load: () => (require('./commands/cluster-command') as Record<'registerClusterCommand', Register>).registerClusterCommand },
  { names: () => ['setup'], load: () => (require('./commands/setup-command') as Record<'registerSetupCommand', Register>).registerSetupCommand },
  { names: () => ['scripted-model'], load: () => (require('./commands/scripted-model-command') as Record<'registerScriptedModelCommand', Register>).registerScriptedModelCommand },
  { names: () => ['new-key'], load: () => (require('./commands/new-key-command') as Record<'registerNewKeyCommand', Register>).registerNewKeyCommand },
  { names: () => ['outputs'], load: () => (require('./commands/outputs-command') as Record<'registerOutputsCommand', Register>).registerOutputsCommand },
  { names: () => ['codec-server'], load: () => (require('./commands/codec-server-command') as Record<'registerCodecServerCommand', Register>).registerCodecServerCommand },
  { names: () => ['mcp-server'], load: () => (require('./commands/mcp-server-command') as Record<'registerMcpServerCommand', Register>).registerMcpServerCommand },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Builds the `durable-agent` command tree: with `commandName` one of ours, only that command's module (a quick
 * start); otherwise all of them (`--help`, a typo to suggest a name for).
 */
export function buildProgram(commandName?: string): Command {
  const program = new Command('durable-agent')
    .description('A durable agent runtime on Temporal.')
    .version(packageVersion(), '-V, --version', 'print the version of durable-agent')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const own = COMMAND_MODULES.find((module) => commandName !== undefined && module.names().includes(commandName));
  for (const module of own ? [own] : COMMAND_MODULES) module.load()(program);
  return program;
}

/** Maps an error to its exit code and a message for the user: what went wrong and what to do; a stack only for bugs. */
export function describeFailure(error: unknown): { code: number; message: string } {
  // Commander prints the errors of its own parsing (thrown as plain CommanderErrors); an InvalidArgumentError
  // that reaches this point came from one of our actions and has not been printed yet.
  if (error instanceof InvalidArgumentError) {
    return { code: EXIT_CODES.usage, message: error.message };
  }
  if (error instanceof CommanderError) return { code: error.exitCode === 0 ? 0 : EXIT_CODES.usage, message: '' };
  // NamespaceNotFoundError and PortInUseError are ConfigurationErrors too.
  if (error instanceof ConfigurationError || error instanceof ScriptError) return { code: EXIT_CODES.configuration, message: error.message };
  // A payload this process cannot open (a missing or wrong key), however deep the SDK wrapped it.
  const undecryptable = causeOfType(error, PayloadDecryptionError);
  if (undecryptable) return { code: EXIT_CODES.configuration, message: `cannot read the run's data: ${undecryptable.message}` };
  if (error instanceof InvalidRunInputError || error instanceof RunIdTakenError || error instanceof SessionEndedError) return { code: EXIT_CODES.usage, message: error.message };
  // A decision or reply the run refused (unknown call, not awaiting, already decided, run ended, bad edited arguments).
  if (error instanceof InteractionRefusedError) {
    const pending = error.workflowId ? `; see what the run waits for with \`durable-agent pending ${error.workflowId}\`` : '';
    return { code: EXIT_CODES.usage, message: `refused: ${error.message.replace(/\.$/, '')}. Nothing was recorded${pending}.` };
  }
  if (error instanceof WorkerNeededError) return { code: EXIT_CODES.noWorker, message: error.message };
  if (error instanceof NoWorkerAnsweredError) return { code: EXIT_CODES.noWorker, message: `${error.message}. Start a worker on the run's task queue (\`durable-agent worker\`), then try again.` };
  if (error instanceof RunNotFoundError) return { code: EXIT_CODES.notFound, message: error.message };
  if (error instanceof WorkflowNotFoundError) return { code: EXIT_CODES.notFound, message: `no agent run with id "${error.workflowId}". List runs with \`durable-agent list\`.` };
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return { code: EXIT_CODES.usage, message: `a run with id "${error.workflowId}" already exists: choose another --id, or follow it with \`durable-agent result ${error.workflowId}\`.` };
  }
  // A run ended from outside (terminated, timed out) has no result to show: it did not end with an answer.
  if (error instanceof RunEndedWithoutResultError) return { code: EXIT_CODES.runNotFinal, message: error.message };
  if (
    error instanceof TemporalUnreachableError ||
    error instanceof TemporalConnectionLostError ||
    error instanceof TemporalBinaryUnavailableError ||
    error instanceof DevServerStartError
  ) {
    return { code: EXIT_CODES.temporalUnavailable, message: error.message };
  }
  // The server went away under a command that has no better message for it (`result` waiting, `status`, …).
  if (isConnectionFailure(error)) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { code: EXIT_CODES.temporalUnavailable, message: `lost the connection to Temporal (${cause.replace(/\s+/g, ' ')}). Check that the server at TEMPORAL_ADDRESS runs, then try again.` };
  }
  // Any other refusal by the server (too busy, not now, no answer in time, …) is not a bug: it has its own code.
  const refusal = classifyServerError(error);
  if (refusal) return { code: exitCodeOf(refusal), message: refusal.message };
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: EXIT_CODES.internal, message: `Unexpected error (a bug; please report it with this text): ${detail}` };
}

/** The first error of type `type` in `error`'s chain of causes. */
function causeOfType<T extends Error>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth += 1) {
    if (current instanceof type) return current;
  }
  return undefined;
}

function exitCodeOf(refusal: ServerRequestError): number {
  if (refusal instanceof NoWorkerTookRequestError) return EXIT_CODES.noWorker;
  if (refusal instanceof ServerBusyError) return EXIT_CODES.busy;
  if (refusal instanceof ServerPreconditionError) return EXIT_CODES.notNow;
  if (refusal instanceof ServerTimeoutError) return EXIT_CODES.serverTimeout;
  return EXIT_CODES.serverRefused;
}

/** Longest wait for the last spans to be exported at exit. */
const TRACE_FLUSH_MS = 3_000;

async function flush(stream: NodeJS.WriteStream): Promise<void> {
  await new Promise<void>((resolve) => stream.write('', () => resolve()));
}

/** Prints the failure and ends the process with its code. */
async function exitWith(code: number, message: string): Promise<never> {
  if (message) process.stderr.write(`durable-agent: ${message}\n`);
  // Spans still buffered go out before the process ends (bounded: an unreachable collector must not hold the exit).
  await within(activeTracing()?.shutdown() ?? Promise.resolve(), TRACE_FLUSH_MS);
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}

/**
 * Entry point of `bin/durable-agent`. The process ends as soon as the command is done: a gRPC channel still
 * retrying, or a native connection still timing out, must not keep it alive (or crash it) after the answer.
 */
export async function main(argv: string[]): Promise<void> {
  // A stray error from a library callback is still reported as one message with an exit code, never as Node's crash dump.
  const onStray = (error: unknown) => {
    // gRPC's retry timer of a call that outlived its connection (closed on purpose, the process is ending): harmless.
    if (error instanceof Error && error.message === 'Channel has been shut down') return;
    void exitWith(describeFailure(error).code, describeFailure(error).message);
  };
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
  try {
    await buildProgram(argv[2]).parseAsync(argv);
  } catch (error) {
    const failure = describeFailure(error);
    await exitWith(failure.code, failure.message);
  }
  await exitWith(Number(process.exitCode ?? EXIT_CODES.ok), '');
}
