import type { Command } from 'commander';
import { resolveTemporalBinary } from '../../temporal-server/temporal-binary';

/** `durable-agent setup`: finds or builds the Temporal CLI now, so the first `run` or test does not wait for it. */
export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description('Find the Temporal CLI, or build it once with Go into the cache folder (run by `npm run setup`).')
    .action(async () => {
      if (process.env.TEMPORAL_ADDRESS) {
        process.stdout.write(`TEMPORAL_ADDRESS is set (${process.env.TEMPORAL_ADDRESS}): no local Temporal binary is needed.\n`);
        return;
      }
      const binary = await resolveTemporalBinary();
      process.stdout.write(`Temporal CLI ready: ${binary}\n`);
    });
}
