import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { InvalidRunInputError, RunNotFoundError } from '../client';
import { TemporalUnreachableError } from '../config/connect';
import { ScriptError } from '../scripted-model/script';
import { ConfigurationError } from '../config/temporal-config';
import { DevServerStartError } from '../temporal-server/dev-server';
import { TemporalBinaryUnavailableError } from '../temporal-server/temporal-binary';
import { registerInspectCommands } from './commands/inspect-commands';
import { registerRunCommand } from './commands/run-command';
import { registerScriptedModelCommand } from './commands/scripted-model-command';
import { registerServerCommand } from './commands/server-command';
import { registerSetupCommand } from './commands/setup-command';
import { registerWorkerCommand } from './commands/worker-command';
import { EXIT_CODES } from './exit-codes';

/** Builds the `durable-agent` command tree. */
export function buildProgram(): Command {
  const program = new Command('durable-agent')
    .description('A durable agent runtime on Temporal.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRunCommand(program);
  registerInspectCommands(program);
  registerWorkerCommand(program);
  registerServerCommand(program);
  registerSetupCommand(program);
  registerScriptedModelCommand(program);
  return program;
}

/** Maps an error to its exit code and a message for the user. */
export function describeFailure(error: unknown): { code: number; message: string } {
  // Commander prints the errors of its own parsing (thrown as plain CommanderErrors); an InvalidArgumentError
  // that reaches this point came from one of our actions and has not been printed yet.
  if (error instanceof InvalidArgumentError) {
    return { code: EXIT_CODES.usage, message: error.message };
  }
  if (error instanceof CommanderError) return { code: error.exitCode === 0 ? 0 : EXIT_CODES.usage, message: '' };
  if (error instanceof ConfigurationError || error instanceof ScriptError) return { code: EXIT_CODES.configuration, message: error.message };
  if (error instanceof InvalidRunInputError) return { code: EXIT_CODES.usage, message: error.message };
  if (error instanceof RunNotFoundError) return { code: EXIT_CODES.notFound, message: error.message };
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return { code: EXIT_CODES.usage, message: `a run with id "${error.workflowId}" already exists: choose another --id, or follow it with \`durable-agent result ${error.workflowId}\`.` };
  }
  if (
    error instanceof TemporalUnreachableError ||
    error instanceof TemporalBinaryUnavailableError ||
    error instanceof DevServerStartError
  ) {
    return { code: EXIT_CODES.temporalUnavailable, message: error.message };
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: EXIT_CODES.internal, message: `Unexpected error: ${detail}` };
}

/** Entry point of `bin/durable-agent`. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const failure = describeFailure(error);
    if (failure.message) process.stderr.write(`durable-agent: ${failure.message}\n`);
    process.exitCode = failure.code;
  }
}
