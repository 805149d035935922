import type { Command } from 'commander';
import colors from 'picocolors';
import { clusterDown, clusterStatus, clusterUp, type ClusterState } from '../../cluster/cluster';
import { DEFAULT_CLUSTER_OPTIONS, MAX_CLUSTER_NODES } from '../../cluster/cluster-layout';
import { isOurProcess } from '../../cluster/cluster-processes';
import { EXIT_CODES } from '../exit-codes';
import { parsePort, parsePositiveInteger } from '../parse';

interface UpOptions {
  nodes: number;
  basePort: number;
  folder: string;
  namespace: string;
  ui: boolean;
  json?: boolean;
}

function describeCluster(state: ClusterState): string {
  const ui = 'url' in state.ui ? state.ui.url : `not started (${state.ui.skipped})`;
  return (
    `  frontends:  ${state.frontends.join(', ')}\n` +
    `  namespace:  ${state.namespace} (search attributes AgentStatus, AgentStep, AgentInputTokens, AgentOutputTokens)\n` +
    `  PostgreSQL: 127.0.0.1:${state.ports.postgres} (databases temporal, temporal_visibility)\n` +
    `  Web UI:     ${ui}\n` +
    `  folder:     ${state.folder}\n` +
    `Point workers and clients at it (any frontend will do):\n  export TEMPORAL_ADDRESS=${state.frontends[0]}\n` +
    ('url' in state.ui ? `  export TEMPORAL_UI_URL=${state.ui.url}\n` : '') +
    `Stop it and remove everything:\n  durable-agent cluster down${state.folder.endsWith(DEFAULT_CLUSTER_OPTIONS.folder) ? '' : ` --folder ${state.folder}`}\n`
  );
}

/** `durable-agent cluster up|down|status`: a production-topology Temporal cluster on loopback (docs/cluster.md). */
export function registerClusterCommand(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('A multi-node Temporal cluster on 127.0.0.1 with PostgreSQL persistence and the Web UI (see docs/cluster.md).');

  cluster
    .command('up')
    .description('Build the server binaries once, then start PostgreSQL, N server nodes, the namespace and the Web UI in the background.')
    .option('--nodes <n>', `server nodes, each running every service (1–${MAX_CLUSTER_NODES})`, parsePositiveInteger, DEFAULT_CLUSTER_OPTIONS.nodes)
    .option('--base-port <port>', 'first port of the range: PostgreSQL = base, Web UI = base+1, node k frontend = base+10k', parsePort, DEFAULT_CLUSTER_OPTIONS.basePort)
    .option('--folder <dir>', 'folder for the state file, configs, logs and data', DEFAULT_CLUSTER_OPTIONS.folder)
    .option('--namespace <name>', 'namespace to create', DEFAULT_CLUSTER_OPTIONS.namespace)
    .option('--no-ui', 'do not build or start the Web UI server')
    .option('--json', 'print the state file as JSON')
    .action(async (options: UpOptions) => {
      const started = Date.now();
      const { state, alreadyUp } = await clusterUp({
        nodes: options.nodes,
        basePort: options.basePort,
        folder: options.folder,
        namespace: options.namespace,
        ui: options.ui,
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ alreadyUp, ...state })}\n`);
        return;
      }
      const stopped = state.processes.filter((tracked) => !isOurProcess(tracked.pid, tracked.marker)).map((tracked) => tracked.name);
      const headline = alreadyUp
        ? `The cluster in ${state.folder} is already up (\`durable-agent cluster status\` shows each process).` +
          (stopped.length > 0 ? `\nNot running: ${stopped.join(', ')}; \`durable-agent cluster down\` then \`up\` restarts everything.` : '')
        : `Temporal cluster up in ${Math.round((Date.now() - started) / 1000)}s: ${state.frontends.length} node${state.frontends.length > 1 ? 's' : ''}.`;
      process.stdout.write(`${colors.green(headline)}\n${describeCluster(state)}`);
    });

  cluster
    .command('status')
    .description('Show each process of the cluster (pid, alive, port) and whether each frontend answers.')
    .option('--folder <dir>', 'the cluster folder', DEFAULT_CLUSTER_OPTIONS.folder)
    .option('--json', 'print JSON')
    .action(async (options: { folder: string; json?: boolean }) => {
      const status = await clusterStatus({ folder: options.folder });
      const healthy = status.processes.length > 0 && status.processes.every((item) => item.alive) && status.frontends.every((item) => item.ok);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ healthy, ...status })}\n`);
      } else if (!status.state) {
        process.stdout.write(`No cluster in ${status.folder} (start one with \`durable-agent cluster up\`).\n`);
      } else {
        const lines = status.processes.map(
          (item) => `  ${item.name.padEnd(9)} pid ${String(item.pid).padEnd(8)} port ${String(item.port).padEnd(6)} ${item.alive ? colors.green('alive') : colors.red('not running')}`,
        );
        const frontends = status.frontends.map((item) => `  ${item.address.padEnd(16)} ${item.ok ? colors.green('answers') : colors.red('no answer')} (${item.detail})`);
        process.stdout.write(
          `Cluster in ${status.folder}${status.state.ready ? '' : ' (not fully started)'}\nProcesses:\n${lines.join('\n') || '  none'}\n` +
            `Frontends:\n${frontends.join('\n')}\n`,
        );
      }
      // Unhealthy is not a failure of the command, but scripts can test it: the server "could not be reached" code.
      if (!healthy) process.exitCode = EXIT_CODES.temporalUnavailable;
    });

  cluster
    .command('down')
    .description('Stop every process of the cluster by pid (SIGTERM, SIGKILL after 15s), PostgreSQL last, and remove the folder.')
    .option('--folder <dir>', 'the cluster folder', DEFAULT_CLUSTER_OPTIONS.folder)
    .option('--keep-data', 'keep the folder (PostgreSQL data, logs); a later `up` starts from that data')
    .option('--json', 'print JSON')
    .action(async (options: { folder: string; keepData?: boolean; json?: boolean }) => {
      const result = await clusterDown({ folder: options.folder, keepData: options.keepData });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const lines = result.stopped.map((item) => `  ${item.name.padEnd(9)} pid ${String(item.pid).padEnd(8)} ${item.outcome}`);
      process.stdout.write(
        (lines.length > 0 ? `Stopped:\n${lines.join('\n')}\n` : `No cluster process was tracked in ${result.folder}.\n`) +
          (result.removed ? `Removed ${result.folder}.\n` : options.keepData ? `Kept ${result.folder}.\n` : ''),
      );
    });
}
