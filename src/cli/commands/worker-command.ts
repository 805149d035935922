import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfiguredAgents } from '../../agents/agent-files';
import { connectClient } from '../../config/connect';
import { AGENT_TOOL_PREFIX } from '../../contracts/agent-definition';
import { loadTemporalConfig } from '../../config/temporal-config';
import { mcpServersFor } from '../../mcp/config';
import { loadOutputStore } from '../../outputs/create-output-store';
import { runWorker, workerTools } from '../../worker';
import { installCliRuntime, type LogFormat } from '../cli-runtime';
import { parsePositiveInteger, parseToolList } from '../parse';

/** `--metrics HOST:PORT`: a port between 1 and 65535 after a host (an IPv6 host in brackets). */
function parseHostPort(value: string): string {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) throw new InvalidArgumentError('expected HOST:PORT, for example 127.0.0.1:9464');
  return value.trim();
}

/** The worker's agents in words, for its start: how many, from where, and the tools its runs call them by. */
function agentsLine(agents: readonly { name: string }[], folder: string): string {
  if (agents.length === 0) return `Agents: none in ${folder} (add one <name>.md file per agent: docs/sub-agents.md).`;
  return `Agents: ${agents.length} from ${folder}, offered to runs as ${agents.map((agent) => `${AGENT_TOOL_PREFIX}${agent.name}`).join(', ')}.`;
}

/** `durable-agent worker`: a long-running worker on $TEMPORAL_ADDRESS. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a worker for agent workflows and tools on $TEMPORAL_ADDRESS until Ctrl-C or SIGTERM.')
    .option('--task-queue <name>', 'task queue to poll (default: $TEMPORAL_TASK_QUEUE or "durable-agent")')
    .option('--mcp-config <file>', 'serve the tools of these MCP servers ({"mcpServers": …}, as other MCP clients use; default: $DURABLE_AGENT_MCP_CONFIG)')
    .option('--agents <dir>', 'offer the agents defined in this folder (one <name>.md per agent) to its runs as tools agent__<name> (default: $DURABLE_AGENT_AGENTS_DIR; docs/sub-agents.md)')
    .option('--tools <a,b>', 'a tool worker: serve only these tools (names or patterns such as github__*) on --task-queue, no workflows; runs reach it with toolQueues / run --tool-queues', parseToolList)
    .addOption(new Option('--role <role>', 'agent: workflows, planner and its tools (the default without --tools); tools: only tools, no workflows (the default with --tools)').choices(['agent', 'tools']))
    .option('--max-activities <n>', "this worker's cap on concurrent activities (default: $DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES or 100)", parsePositiveInteger)
    .option('--deployment <name>', "a Worker Deployment this worker's build belongs to (Worker Versioning: runs stay pinned to the build that started them); needs --build-id")
    .option('--build-id <id>', 'this build of the --deployment (e.g. the release or commit)')
    .option('--metrics <host:port>', "serve Prometheus metrics (the SDK's temporal_* and the agent's durable_agent_*) at http://<host:port>/metrics, e.g. 127.0.0.1:9464 (default: $DURABLE_AGENT_METRICS_ADDRESS, else none)", parseHostPort)
    .addOption(new Option('--log-format <format>', 'text (the default: $DURABLE_AGENT_LOG_FORMAT, else text) or json: one JSON object per line with the run id, activity, attempt, call id and trace id').choices(['text', 'json']))
    .option('--verbose', "say where the workflow code comes from (the bundle prebuilt by the build, or bundled at start) and show the bundler's output")
    .action(async (options: { taskQueue?: string; mcpConfig?: string; agents?: string; tools?: string[]; role?: 'agent' | 'tools'; maxActivities?: number; deployment?: string; buildId?: string; verbose?: boolean; metrics?: string; logFormat?: LogFormat }) => {
      if ((options.deployment === undefined) !== (options.buildId === undefined)) {
        throw new InvalidArgumentError('--deployment and --build-id go together: name the deployment and this build of it (e.g. --deployment durable-agent --build-id 0.2.0).');
      }
      const config = loadTemporalConfig();
      // Tools first: a bad AGENT_* or DURABLE_AGENT_OUTPUT_* variable or MCP file is a configuration error, whether or not Temporal is reachable.
      const outputs = loadOutputStore(config.encryption);
      const tools = workerTools({}, outputs);
      const mcpServers = mcpServersFor(options.mcpConfig);
      const role = options.role ?? (options.tools ? 'tools' : 'agent');
      // A tool worker runs no workflows, so no agent's run either: --agents there is a mistake, the variable is not.
      if (role === 'tools' && options.agents !== undefined) {
        throw new InvalidArgumentError('--agents is for agent workers: a tool worker (--tools, --role tools) runs no agents. Remove --agents, or start an agent worker.');
      }
      const configured = role === 'agent' ? loadConfiguredAgents(options.agents) : undefined;
      // The client's checks give one clear message for an unreachable server or a namespace that does not exist;
      // the worker would report the latter deep in its own retries.
      await (await connectClient(config)).connection.close();
      // A long-running worker keeps the SDK's INFO lines (on stderr, like the core's) and its graceful shutdown on signals.
      const metricsAddress = options.metrics ?? config.worker.metricsAddress;
      installCliRuntime({ level: 'INFO', ...(metricsAddress ? { metricsAddress } : {}), ...(options.logFormat ? { logFormat: options.logFormat } : {}) });
      if (metricsAddress) process.stderr.write(`Metrics at http://${metricsAddress}/metrics (Prometheus).\n`);
      if (configured) process.stderr.write(`${agentsLine(configured.agents, configured.folder)}\n`);
      await runWorker({
        config,
        ...(metricsAddress ? { metricsAddress } : {}),
        tools,
        builtinTools: false,
        outputs: outputs ?? false,
        taskQueue: options.taskQueue,
        mcpServers,
        role,
        ...(configured?.agents.length ? { agents: configured.agents } : {}),
        ...(options.tools ? { onlyTools: options.tools } : {}),
        ...(options.maxActivities !== undefined ? { maxConcurrentActivities: options.maxActivities } : {}),
        ...(options.verbose ? { verbose: true } : {}),
        ...(options.deployment && options.buildId ? { deployment: { name: options.deployment, buildId: options.buildId } } : {}),
      });
    });
}
