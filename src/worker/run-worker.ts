import { STREAM_INTERVAL_MS } from '../contracts/model-text';
import { tracingWorkerOptions } from './worker-tracing';
import { activeTracing } from '../observability/tracing';
import { configureContentCapture } from '../observability/trace-content';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import type { AgentDefinition } from '../contracts/agent-definition';
import { dataConverterFor } from '../codec/data-converter';
import { loadModelConfig } from '../config/model-config';
import { loadBuiltinToolsConfig, type BuiltinToolsConfig } from '../config/tools-config';
import { createBuiltinTools } from '../tools/builtin';
import type { Tool } from '../tools/define-tool';
import { activityOf, type AnyTool } from '../tools/define-workflow-tool';
import { connectWorkerConnection } from '../config/connect-worker';
import { ConfigurationError, loadTemporalConfig, type TemporalConfig } from '../config/temporal-config';
import { expandToolNames, matchesToolName } from '../core/tool-patterns';
import { createToolRegistry } from '../tools/registry';
import type { McpServerConfig } from '../mcp/config';
import { connectMcpTools, type McpTools } from '../mcp/mcp-tools';
import { loadOutputStore } from '../outputs/create-output-store';
import type { OutputStore } from '../outputs/output-store';
import { installMetricsRuntime } from './worker-metrics';
import { bundleQuietly, WORKFLOW_INTERCEPTOR_MODULES, WORKFLOW_PRELOAD_MODULES, WORKFLOWS_PATH, workflowBundleChoice } from './workflow-bundle';

export { agentWorkflowBundle, WORKFLOW_INTERCEPTOR_MODULES, WORKFLOW_PRELOAD_MODULES, WORKFLOWS_PATH, workflowBundleChoice, writePrebuiltWorkflowBundle, type WorkflowBundleChoice } from './workflow-bundle';

export interface AgentWorkerOptions {
  /** Validated configuration. @default loadTemporalConfig(process.env) */
  config?: TemporalConfig;
  /** An open connection to reuse; otherwise one is opened from `config` and closed with the worker. */
  connection?: NativeConnection;
  /** Task queue to poll. @default config.taskQueue */
  taskQueue?: string;
  /** Extra, user-defined tools, offered to agents next to the built-ins. @default [] */
  tools?: readonly AnyTool[];
  /** Named agents its runs may call as tools (`agent__<name>`; docs/sub-agents.md). @default none */
  agents?: readonly AgentDefinition[];
  /** Configuration of the built-in tools, or `false` to register none. @default loadBuiltinToolsConfig(process.env) */
  builtinTools?: BuiltinToolsConfig | false;
  /** How to reach the model. @default loadModelConfig(process.env) */
  model?: ActivityDependencies['model'];
  /**
   * A workflow bundle of your own (tests build one per run). Otherwise the bundle `npm run build` wrote into dist/ is
   * loaded when it is the bundle of this build, and the workflows are bundled at start (seconds) when it is not.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * `runWorker` says where the workflow code comes from (prebuilt or bundled at start, and why), and the bundler's
   * output is shown when it bundles at start (`durable-agent worker --verbose`). @default false
   */
  verbose?: boolean;
  /**
   * MCP servers whose tools this worker serves (`loadMcpConfig(path)`). `runWorker` connects to them and stops them
   * with the worker; with `createWorker`, connect them yourself (`connectMcpTools`) and pass `mcp`. A server that
   * fails to start is a warning, retried in the background, unless it is `strict` (then the worker does not start).
   */
  mcpServers?: readonly McpServerConfig[];
  /**
   * MCP tools already connected (`connectMcpTools`); their pool is the caller's to close. The tools of a server that
   * connects after the worker was created join its catalogue then.
   */
  mcp?: McpTools;
  /**
   * `agent` (the default) runs the agent workflows, the planner and its tools. `tools` serves only its tools, on its own
   * task queue: runs that list that queue in `toolQueues` read its catalogue and send those tools' calls there.
   */
  role?: 'agent' | 'tools';
  /** Serve only these tools (names or patterns such as `github__*`); each must name at least one. @default all */
  onlyTools?: readonly string[];
  /** This worker's cap on concurrent activities (a role's own limit). @default config.worker.maxConcurrentActivities */
  maxConcurrentActivities?: number;
  /**
   * The Worker Deployment Version this worker belongs to (Temporal's Worker Versioning, docs/versioning.md): the runs
   * it starts are pinned to this build and finish on it, while new runs go to the deployment's current version. Make a
   * version current with `temporal worker deployment set-current-version`. @default none: an unversioned worker
   */
  deployment?: WorkerDeployment;
  /**
   * Where tool outputs too large for history are stored whole (the model gets a preview and reads the rest with
   * `read_output`, docs/outputs.md), or `false` to cut them instead. @default loadOutputStore(config): a folder,
   * `.durable-agent/outputs`, unless `DURABLE_AGENT_OUTPUT_STORE` says otherwise
   */
  outputs?: OutputStore | false;
  /**
   * `HOST:PORT` where this process serves Prometheus metrics (`/metrics`): the SDK's `temporal_*` and the agent's
   * `durable_agent_*` (docs/observability.md). Installs the process's Temporal Runtime with them, so give it before
   * anything connects; a Runtime already installed without metrics is a `ConfigurationError`.
   * @default config.worker.metricsAddress (`DURABLE_AGENT_METRICS_ADDRESS`), else none
   */
  metricsAddress?: string;
}

/** A Worker Deployment Version: the deployment's name and this build's id. */
export interface WorkerDeployment {
  name: string;
  buildId: string;
}

/**
 * The tools a worker serves: all, or those `onlyTools` names. An entry naming none is a configuration error, unless
 * it names a tool of an MCP server that has not connected yet (`github__*` while `github` is retried).
 */
function servedTools<T extends AnyTool>(tools: readonly T[], onlyTools: readonly string[] | undefined, pendingServers: readonly string[] = []): T[] {
  if (!onlyTools) return [...tools];
  const { names, unmatched } = expandToolNames(onlyTools, tools.map((tool) => tool.spec.name));
  const unexplained = unmatched.filter((entry) => !pendingServers.some((server) => entry.startsWith(`${server}__`)));
  if (unexplained.length > 0) throw new ConfigurationError(`No tool on this worker matches ${unexplained.join(', ')}; it has ${tools.map((tool) => tool.spec.name).join(', ') || 'no tools'}.`);
  return tools.filter((tool) => names.includes(tool.spec.name));
}

/**
 * A tool worker's tools, each declared to run on its queue (the catalogue it answers says so). A workflow-side tool is
 * not among them: it has no activity to serve (the run's own workflow runs it).
 */
function onQueue(tools: readonly AnyTool[], taskQueue: string): Tool[] {
  return tools.flatMap((tool) => {
    const activity = activityOf(tool);
    return activity ? [{ ...activity.tool, spec: { ...tool.spec, executor: { kind: 'activity' as const, activityType: activity.activityType, taskQueue } } }] : [];
  });
}

/**
 * The worker's model in words, for its start line: which model, served where; or a warning that none is configured
 * (every run's first model call then fails with `NotConfigured`) and what to set.
 */
export function modelLine(model: NonNullable<ActivityDependencies['model']>): string {
  if ('openai' in model) return `model ${model.defaultModel} (a client given to the worker)`;
  if (!model.apiKey && !model.baseURL) {
    return 'Warning: no model is configured, so every run on this worker fails at its first model call (NotConfigured): set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server) and start it again.';
  }
  return `model ${model.defaultModel} at ${model.baseURL ?? 'the OpenAI API'}`;
}

/** The built-ins (unless turned off; `read_output` with a store) followed by the worker's own tools. */
export function workerTools(options: Pick<AgentWorkerOptions, 'tools' | 'builtinTools'>, outputs?: OutputStore): AnyTool[] {
  if (options.builtinTools === false) return [...(options.tools ?? [])];
  const config = options.builtinTools ?? loadBuiltinToolsConfig();
  const store = config.outputs ?? outputs;
  return [...createBuiltinTools({ ...config, ...(store ? { outputs: store } : {}) }), ...(options.tools ?? [])];
}

/** The worker's output store: the one given, none (`false`), or the environment's. */
function outputStoreOf(options: Pick<AgentWorkerOptions, 'outputs'>, config: TemporalConfig): OutputStore | undefined {
  if (options.outputs === false) return undefined;
  return options.outputs ?? loadOutputStore(config.encryption);
}

/** The prebuilt bundle of this build, or the workflows bundled now (with the bundler's output when `verbose`). */
async function defaultWorkflowSource(verbose: boolean | undefined): Promise<Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions' | 'interceptors'>> {
  const chosen = workflowBundleChoice();
  if (chosen.kind === 'prebuilt') return { workflowBundle: { codePath: chosen.codePath } };
  return verbose
    ? { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: [...WORKFLOW_PRELOAD_MODULES] }, interceptors: { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES] } }
    : { workflowBundle: await bundleQuietly() };
}

/** Creates a worker for the agent workflows and activities; run it with `worker.run()`. */
export async function createWorker(options: AgentWorkerOptions = {}): Promise<Worker> {
  const config = options.config ?? loadTemporalConfig();
  // Whether GenAI spans carry prompts and outputs: decided once here, never with encryption (docs/observability.md).
  const contentWarning = configureContentCapture(process.env, config.encryption !== undefined);
  if (contentWarning) process.stderr.write(`${contentWarning}\n`);
  const metricsAddress = options.metricsAddress ?? config.worker.metricsAddress;
  if (metricsAddress) installMetricsRuntime(metricsAddress);
  const connection = options.connection ?? (await connectWorkerConnection(config));
  const taskQueue = options.taskQueue ?? config.taskQueue;
  const toolsOnly = options.role === 'tools';
  const workflowSource = toolsOnly ? {} : options.workflowBundle ? { workflowBundle: options.workflowBundle } : await defaultWorkflowSource(options.verbose);
  const { mcp, onlyTools } = options;
  const outputs = outputStoreOf(options, config);
  const prepare = (tools: readonly AnyTool[]): AnyTool[] => (toolsOnly ? onQueue(tools, taskQueue) : [...tools]);
  const registry = createToolRegistry(servedTools(prepare([...workerTools(options, outputs), ...(mcp?.tools ?? [])]), onlyTools, [...(mcp?.pending.keys() ?? [])]));
  // An MCP server still being retried: its tools join the catalogue (of runs started after) once it connects, and
  // run through the SDK's `default` activity, since a worker's activity types are fixed when it is created.
  const late = mcp && mcp.pending.size > 0 ? mcp : undefined;
  late?.onTools((added) => registry.add(prepare(added.filter((tool) => !onlyTools || onlyTools.some((entry) => matchesToolName(entry, tool.spec.name))))));
  const toolSettings = {
    ...(late ? { unavailable: (activityType: string) => late.unavailable(activityType) } : {}),
    ...(outputs ? { outputs } : {}),
  };
  const dataConverter = dataConverterFor(config.encryption, config.externalStorage);
  return Worker.create({
    connection,
    namespace: config.namespace,
    ...(dataConverter ? { dataConverter } : {}),
    taskQueue,
    activities: toolsOnly
      ? createActivities({ tools: registry, toolsOnly, ...toolSettings })
      : createActivities({ tools: registry, model: options.model ?? loadModelConfig(), ...toolSettings, ...(options.agents?.length ? { agents: options.agents } : {}) }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
    maxEagerActivityReservationsPerWorkflowTask: config.worker.maxEagerActivities,
    // Heartbeats carry cancellation to tools: send them often enough that a cancelled tool stops within seconds. A
    // streaming model call heartbeats its text so far (docs/streaming.md): the throttle lets it through at that pace.
    defaultHeartbeatThrottleInterval: '1 second',
    maxHeartbeatThrottleInterval: STREAM_INTERVAL_MS,
    ...workflowSource,
    // Traces (docs/observability.md): the workflow's spans reach the exporter through a sink (dropped with tracing off);
    // activities run inside a span linked to the workflow's.
    ...tracingWorkerOptions(toolsOnly ? undefined : workflowSource),
    // Runs are pinned to the build that started them: a large change to the loop ships as a new version.
    ...(options.deployment
      ? { workerDeploymentOptions: { version: { deploymentName: options.deployment.name, buildId: options.deployment.buildId }, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' as const } }
      : {}),
  });
}

/**
 * Runs a worker until SIGINT or SIGTERM. The Temporal runtime turns those signals into a graceful
 * shutdown: polling stops, in-flight activities get their cancellation, and `run()` resolves.
 */
export async function runWorker(options: AgentWorkerOptions = {}): Promise<void> {
  const config = options.config ?? loadTemporalConfig();
  const metricsAddress = options.metricsAddress ?? config.worker.metricsAddress;
  if (metricsAddress) installMetricsRuntime(metricsAddress);
  // Tools first: a bad AGENT_* or DURABLE_AGENT_OUTPUT_* variable is a configuration error, whether or not Temporal is reachable.
  const outputs = outputStoreOf(options, config);
  const tools = workerTools(options, outputs);
  const connection = options.connection ?? (await connectWorkerConnection(config));
  let mcp = options.mcp;
  try {
    if (!mcp && options.mcpServers?.length) mcp = await connectMcpTools(options.mcpServers, new Set(tools.map((tool) => tool.spec.name)));
    if (mcp && !options.mcp) {
      const waiting = mcp.pending.size > 0 ? ` Not connected yet (retried in the background): ${[...mcp.pending.keys()].join(', ')}.` : '';
      process.stderr.write(`MCP tools: ${mcp.tools.map((tool) => tool.spec.name).join(', ') || '(none listed)'}.${waiting}\n`);
    }
    const toolsOnly = options.role === 'tools';
    // Where the workflow code comes from: said with --verbose; bundling at start (seconds of webpack) is said always.
    if (!toolsOnly && !options.workflowBundle) {
      const chosen = workflowBundleChoice();
      if (options.verbose) process.stderr.write(`${chosen.line}\n`);
      else if (chosen.kind !== 'prebuilt') process.stderr.write(`Bundling the workflow code at start, a few seconds (${chosen.reason}).\n`);
    }
    const worker = await createWorker({ ...options, tools, builtinTools: false, config, connection, outputs: outputs ?? false, ...(mcp ? { mcp } : {}) });
    // A tool worker serves activities only (the workflow runs `wait` and `ask_user` itself).
    const all = [...tools, ...(mcp?.tools ?? [])];
    const served = servedTools(toolsOnly ? all.filter((tool) => activityOf(tool)) : all, options.onlyTools, [...(mcp?.pending.keys() ?? [])]).map((tool) => tool.spec.name);
    const role = toolsOnly ? `Tool worker (${served.join(', ')})` : 'Worker';
    const model = modelLine(options.model ?? loadModelConfig());
    const what = toolsOnly ? '' : `: tools ${served.join(', ') || 'none'}; ${model.startsWith('Warning') ? 'no model' : model}`;
    const encrypted = config.encryption ? `; payloads encrypted (key ${config.encryption.activeKeyId})` : '';
    const warning = !toolsOnly && model.startsWith('Warning') ? `${model}\n` : '';
    // One write: whoever reads the start line gets the warning with it.
    process.stderr.write(`${role} polling task queue "${options.taskQueue ?? config.taskQueue}" on ${config.address} (namespace ${config.namespace})${what}${encrypted}. Ctrl-C stops it.\n${warning}`);
    await worker.run();
    process.stderr.write('Worker stopped.\n');
  } finally {
    await activeTracing()?.shutdown();
    if (mcp && !options.mcp) await mcp.close();
    if (!options.connection) await connection.close();
  }
}
