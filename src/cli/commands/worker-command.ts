import type { Command } from 'commander';
import { runWorker } from '../../worker';

/** `durable-agent worker`: a long-running worker on $TEMPORAL_ADDRESS. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a worker for agent workflows and tools on $TEMPORAL_ADDRESS until Ctrl-C or SIGTERM.')
    .option('--task-queue <name>', 'task queue to poll (default: $TEMPORAL_TASK_QUEUE or "durable-agent")')
    .action(async (options: { taskQueue?: string }) => {
      await runWorker({ taskQueue: options.taskQueue });
    });
}
