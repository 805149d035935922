import { WorkflowNotFoundError } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { loadOutputStore } from '../../outputs/create-output-store';
import { pruneOutputs, type PruneReport, type RunEnd } from '../../outputs/prune-outputs';
import { groupDigits } from '../../core/summarize';
import { withAgentConnection } from '../agent-connection';
import { parseDuration } from '../parse';

/** `30d`, `12h`: an age with its unit (a bare number would be milliseconds, never what is meant here). */
function parseAge(value: string): { ms: number; text: string } {
  if (/^\s*\d+\s*$/.test(value)) throw new InvalidArgumentError(`Expected an age with its unit, such as 30d or 12h, got \`${value}\`.`);
  return { ms: parseDuration(value), text: value.trim() };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

function printReport(report: PruneReport, options: { olderThan: string; dryRun: boolean; json: boolean; store: string }): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ store: options.store, dryRun: options.dryRun, ...report })}\n`);
    return;
  }
  const verb = options.dryRun ? 'would delete' : 'deleted';
  for (const run of report.deleted) {
    const ended = run.known ? `ended ${run.endedAt.toISOString()}` : `not found on the server; last written ${run.endedAt.toISOString()}`;
    process.stdout.write(`${verb} ${groupDigits(run.blobs)} blob${run.blobs === 1 ? '' : 's'} (${megabytes(run.bytes)}) of ${run.workflowId} (${ended})\n`);
  }
  const blobs = report.deleted.reduce((total, run) => total + run.blobs, 0);
  const bytes = report.deleted.reduce((total, run) => total + run.bytes, 0);
  process.stdout.write(
    `${options.dryRun ? 'Would delete' : 'Deleted'} ${groupDigits(blobs)} blobs (${megabytes(bytes)}) of ${report.deleted.length} run${report.deleted.length === 1 ? '' : 's'} in ${options.store}; ` +
      `kept the blobs of ${report.open} open run${report.open === 1 ? '' : 's'} and ${report.recent} that ended within ${options.olderThan}.\n`,
  );
}

/** `durable-agent outputs prune`: retention of stored tool outputs (docs/outputs.md, "Retention"). */
export function registerOutputsCommand(program: Command): void {
  const outputs = program.command('outputs').description('Manage the store of tool outputs too large for history (docs/outputs.md).');
  outputs
    .command('prune')
    .description('Delete the stored outputs of runs that ended more than --older-than ago (runs the server cannot find count as ended when their last blob was written).')
    .requiredOption('--older-than <age>', 'how long ago a run must have ended, such as 30d or 12h', parseAge)
    .option('--dry-run', 'only print what would be deleted')
    .option('--json', 'print JSON: {store, dryRun, deleted: [{workflowId, blobs, bytes, endedAt, known}], open, recent}')
    .action(async (options: { olderThan: { ms: number; text: string }; dryRun?: boolean; json?: boolean }) =>
      withAgentConnection(async ({ agent, config }) => {
        const store = loadOutputStore(config.encryption);
        if (!store) {
          process.stdout.write('No output store is configured (DURABLE_AGENT_OUTPUT_STORE=none): nothing to prune.\n');
          return;
        }
        const runEnd = async (workflowId: string): Promise<RunEnd> => {
          try {
            const description = await agent.client.workflow.getHandle(workflowId).describe();
            if (description.status.name === 'RUNNING') return { open: true };
            return { open: false, closedAt: description.closeTime ?? new Date(0) };
          } catch (error) {
            if (error instanceof WorkflowNotFoundError) return undefined;
            throw error;
          }
        };
        const report = await pruneOutputs(store, config.namespace, runEnd, { olderThanMs: options.olderThan.ms, dryRun: Boolean(options.dryRun) });
        printReport(report, { olderThan: options.olderThan.text, dryRun: Boolean(options.dryRun), json: Boolean(options.json), store: store.driver.description });
      }),
    );
}
