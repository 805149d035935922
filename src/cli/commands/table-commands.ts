import type { Command } from 'commander';
import { simpleInteractions } from '../../client';
import { withAgentConnection } from '../agent-connection';
import { awaitWithWorkerNotice } from '../worker-needed';

/**
 * The commands derived from the interaction table (src/contracts/interactions.ts): every interaction that
 * needs only a run id and an optional reason (`pause`, `resume`) becomes `durable-agent <command> <id> [--reason]`.
 */
export function registerTableCommands(program: Command): void {
  for (const spec of simpleInteractions()) {
    const { command, description, done, reason } = spec.simple;
    const entry = program
      .command(command)
      .description(`${description.charAt(0).toUpperCase()}${description.slice(1)}.`)
      .argument('<id>', 'the run id (workflow id)');
    if (reason) entry.option('--reason <text>', 'why, for the event log and the Temporal UI');
    entry.action(async (id: string, options: { reason?: string }) =>
      withAgentConnection(async ({ agent }) => {
        const handle = agent.getHandle(id);
        const args = options.reason !== undefined ? { reason: options.reason } : {};
        const result = await awaitWithWorkerNotice(handle, handle.interact(spec.name as 'pause', args), command);
        process.stdout.write(`${done(id, result)}\n`);
      }),
    );
  }
}
