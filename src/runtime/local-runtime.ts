import { randomBytes } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { AgentClient } from '../client';
import { PRIVATE_TASK_QUEUE_PREFIX } from '../client/worker-advice';
import { connectClient, TemporalConnectionLostError } from '../config/connect';
import type { TemporalConfig } from '../config/temporal-config';
import type { AgentDefinition } from '../contracts/agent-definition';
import { mcpServersFor } from '../mcp/config';
import { loadBuiltinToolsConfig } from '../config/tools-config';
import { withoutBlankVariables } from '../config/parse-environment';
import { loadEncryptionKeys } from '../codec/encryption-keys';
import { loadOutputStore } from '../outputs/create-output-store';
import { createBuiltinTools } from '../tools/builtin';
import type * as ConnectWorker from '../config/connect-worker';
import type * as McpTools from '../mcp/mcp-tools';
import type * as RunWorker from '../worker/run-worker';
import { Cleanup, SERVER_STOP_MS } from './cleanup';
import { chooseModel, type ModelChoice } from './model-choice';
import { resolveTemporalTarget } from './temporal-target';
import { runUrl } from './ui-links';

/** What a local runtime is made of: the model, extra tools, and the checks of the command that starts it. */
export interface LocalRuntimeOptions {
  /** Lines for the user while it starts (the embedded server starting, …). */
  onProgress: (line: string) => void;
  /** A scripted model file (`--script`); otherwise the model of `OPENAI_API_KEY`, or the built-in demo script. */
  script?: string;
  /** MCP configuration whose servers' tools the worker offers too (`--mcp-config`). @default $DURABLE_AGENT_MCP_CONFIG */
  mcpConfig?: string;
  /** Named agents the worker's runs may call as tools (`agent__<name>`; docs/sub-agents.md). @default none */
  agents?: readonly AgentDefinition[];
  /**
   * Retry an MCP server that fails to start in the background and offer its tools once it connects (a long-lived
   * runtime); otherwise it is warned about and its tools are left out (a one-shot command). @default false
   */
  retryMcpServers?: boolean;
  /**
   * Checks the names of the worker's tools before anything listens (no model, server or worker started yet); what it
   * throws ends the start, after the MCP servers were stopped.
   */
  checkTools?: (toolNames: readonly string[]) => void;
  /** Checks that need the client, run before the worker is built (seconds of bundling): that a run id is free, … */
  beforeWorker?: (agent: AgentClient) => Promise<void>;
  /** Told which model answers as soon as it is chosen, before the server and the worker start (`run`'s first line). */
  onModel?: (model: Pick<ModelChoice, 'kind' | 'notice' | 'noticeFor'>) => void;
  /**
   * Return as soon as the server answers and the client is connected, while the worker still starts: runs started
   * meanwhile wait on its task queue, and `workerReady` says when it polls. @default false: return once it polls
   */
  returnBeforeWorker?: boolean;
}

/** durable-agent in this process: a Temporal server to use, a client, and a worker polling `taskQueue`. */
export interface LocalRuntime {
  /** The configuration in use; its address is the embedded server's when one was started. */
  config: TemporalConfig;
  /** A client of that server. */
  agent: AgentClient;
  /** The model the worker calls, and the line that tells the user which it is. */
  model: Pick<ModelChoice, 'kind' | 'notice' | 'noticeFor'>;
  /** The task queue the in-process worker polls: start runs there. */
  taskQueue: string;
  /**
   * True with a scripted model: the queue is this runtime's own, so no other worker (with another model) takes its
   * runs, and nothing can resume them once it closes.
   */
  privateQueue: boolean;
  /** The Temporal Web UI, when its address is known. */
  uiUrl?: string;
  /** True when this runtime started the embedded dev server (it stops with `close()`). */
  embedded: boolean;
  /** The worker's `run()`: it rejects when the worker fails (a lost server) or could not start, and resolves once it stopped. */
  working: Promise<void>;
  /** Resolves once the worker polls its task queue; rejects when it could not start (then `working` rejects too). */
  workerReady: Promise<void>;
  /** A run's link in the Web UI, when the UI's address is known. */
  runUrl(workflowId: string): string | undefined;
  /**
   * Stops everything in reverse order (worker, connections, the embedded server, the model, MCP servers), each step
   * bounded in time; `serverLost` (the server stopped answering) bounds each step more tightly. Never throws.
   */
  close(options?: { serverLost?: boolean }): Promise<void>;
}

/** The in-process worker, created in the background: `ready` once it polls, `working` its `run()`. */
interface BackgroundWorker {
  ready: Promise<void>;
  working: Promise<void>;
  /** Stops it (once created, if it is still being created) and waits for its `run()` to end. */
  stop(): Promise<void>;
}

function startInBackground(create: () => Promise<Worker>): BackgroundWorker {
  let stopping = false;
  const creating = create();
  const working = creating.then((worker) => {
    const running = worker.run();
    // Stopped while it was being created: it stops at once (a created worker is released by its shutdown).
    if (stopping) worker.shutdown();
    return running;
  });
  const ready = creating.then(() => undefined);
  // Their failures are for the owner to read; meanwhile they must not count as unhandled.
  for (const promise of [creating, working, ready]) promise.catch(() => undefined);
  return {
    ready,
    working,
    stop: async () => {
      stopping = true;
      const worker = await creating.catch(() => undefined);
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await working.catch(() => undefined);
    },
  };
}

/**
 * Starts durable-agent in this process, as `durable-agent run` and `mcp-server --local` do: the tools (built-ins and
 * MCP servers'), the model (a scripted one lives in this process, see {@link chooseModel}), the Temporal server (the
 * configured one, one already listening, or the embedded dev server, see `resolveTemporalTarget`), a client, and a
 * worker. A scripted model's runs get a private task queue. If any step fails, what was started is stopped again and
 * the error is thrown.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  // Tools (and their configuration) are checked before anything starts listening.
  // Large tool outputs go to the store of the environment (a folder by default), sealed with its keys (docs/outputs.md).
  const outputs = loadOutputStore(loadEncryptionKeys(withoutBlankVariables(process.env)));
  const builtins = createBuiltinTools({ ...loadBuiltinToolsConfig(), ...(outputs ? { outputs } : {}) });
  const mcpServers = mcpServersFor(options.mcpConfig);
  // Everything started below is stopped in reverse order, whatever fails on the way.
  const cleanup = new Cleanup();
  try {
    // MCP servers are started (and their tools listed) first; they stop last.
    const retry = options.retryMcpServers ? {} : { retry: false as const };
    if (mcpServers.length) options.onProgress(`Starting the MCP servers ${mcpServers.map((server) => server.name).join(', ')}…`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when MCP servers are configured
    const connectMcpTools = mcpServers.length ? (require('../mcp/mcp-tools') as typeof McpTools).connectMcpTools : undefined;
    const mcp = connectMcpTools ? await connectMcpTools(mcpServers, new Set(builtins.map((tool) => tool.spec.name)), retry) : undefined;
    if (mcp) cleanup.add(() => mcp.close());
    const tools = [...builtins, ...(mcp?.tools ?? [])];
    options.checkTools?.(tools.map((tool) => tool.spec.name));

    const model = await chooseModel(options.script);
    const scripted = model.scripted;
    if (scripted) cleanup.add(() => scripted.close());
    options.onModel?.(model);
    // The worker SDK (native bridge, bundler) loads only now, after the first line: a few hundred milliseconds.
    // (`require`, not `import()`, which under tsx would be an ES module import.)
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { createWorker, agentWorkflowBundle, workflowBundleChoice } = require('../worker/run-worker') as typeof RunWorker;
    const { connectWorkerConnection } = require('../config/connect-worker') as typeof ConnectWorker;
    /* eslint-enable @typescript-eslint/no-require-imports */
    // The workflow code: the prebuilt bundle of this build, or bundled now, while the server starts.
    const bundle = workflowBundleChoice();
    if (bundle.kind !== 'prebuilt') options.onProgress(`Bundling the workflow code for the worker, a few seconds (${bundle.reason})…`);
    const workflowBundle = agentWorkflowBundle();
    workflowBundle.catch(() => undefined);
    const target = await resolveTemporalTarget(options.onProgress);
    cleanup.add(() => target.stop(), SERVER_STOP_MS);
    const { config } = target;
    // The client first: it checks the server and the namespace, each with one clear message.
    const agent = new AgentClient(await connectClient(config), config);
    cleanup.add(() => agent.close());
    // A server we did not start may have recorded where its UI listens.
    const uiUrl = target.embedded ? target.uiUrl : ((await agent.uiUrl()) ?? target.uiUrl);
    await options.beforeWorker?.(agent);
    const connection = await connectWorkerConnection(config);
    cleanup.add(() => connection.close());

    // A scripted model lives in this process: give its runs a private queue so no other worker takes them.
    const privateQueue = model.kind !== 'openai';
    const taskQueue = privateQueue ? `${PRIVATE_TASK_QUEUE_PREFIX}${randomBytes(4).toString('hex')}` : config.taskQueue;
    // With retries, the worker gets the MCP pool itself: the tools of a server that connects later join its catalogue.
    const served = options.retryMcpServers && mcp ? { tools: builtins, mcp } : { tools };
    const worker = startInBackground(async () =>
      createWorker({ config, connection, taskQueue, ...served, builtinTools: false, outputs: outputs ?? false, model: model.config, workflowBundle: await workflowBundle, ...(options.agents?.length ? { agents: options.agents } : {}) }),
    );
    cleanup.add(() => worker.stop());
    if (!options.returnBeforeWorker) await worker.ready;

    return {
      config,
      agent,
      model: { kind: model.kind, notice: model.notice, noticeFor: model.noticeFor },
      taskQueue,
      privateQueue,
      ...(uiUrl ? { uiUrl } : {}),
      embedded: target.embedded,
      working: worker.working,
      workerReady: worker.ready,
      runUrl: (workflowId) => runUrl(uiUrl, config.namespace, workflowId),
      close: (closeOptions = {}) => cleanup.run(closeOptions),
    };
  } catch (error) {
    await cleanup.run({ serverLost: error instanceof TemporalConnectionLostError });
    throw error;
  }
}
