import { InvalidArgumentError, type Command } from 'commander';
import { AgentClient, loadTemporalConfig } from '../../client';
import { isConnectionFailure, TemporalConnectionLostError } from '../../config/connect';
import { createAgentMcpServer } from '../../mcp-server/create-server';
import type { McpServerContext } from '../../mcp-server/mcp-tool';
import { isLoopbackHost, serveHttp } from '../../mcp-server/serve-http';
import { serveStdio } from '../../mcp-server/serve-stdio';
import { endPrivateRuns, runUrl, startLocalRuntime } from '../../runtime';
import { installCliRuntime } from '../cli-runtime';
import { listenForInterrupts, type Interrupts } from '../interrupts';
import { parsePort } from '../parse';
import { within } from '../within';
import { loadConfiguredAgents } from '../../agents/agent-files';

interface McpServerOptions {
  http?: boolean;
  port?: number;
  host?: string;
  local?: boolean;
  script?: string;
  mcpConfig?: string;
  agents?: string;
}

/** The HTTP server's port and host when none is given. */
export const DEFAULT_MCP_HTTP_PORT = 8765;
export const DEFAULT_MCP_HTTP_HOST = '127.0.0.1';
/** Upper bound on each clean-up step at shutdown, so the process always ends. */
const CLOSE_STEP_MS = 5_000;

const log = (line: string) => void process.stderr.write(`${line}\n`);

/** What the tools work with, and what stops with the server: a client of a configured server, or a local runtime. */
interface Backend {
  context: McpServerContext;
  /** Where runs go, for the log lines. */
  where: string;
  /** Who executes the runs, for the log lines. */
  workers: string;
  /** Settles when the in-process worker stopped by itself (`--local`), with its error if it failed; never without `--local`. */
  workerStopped: Promise<{ error?: unknown }>;
  close(options: { serverLost: boolean }): Promise<void>;
}

/** Without `--local`: a client of the server of the environment; runs need a `durable-agent worker` there. */
async function connectToServer(): Promise<Backend> {
  const config = loadTemporalConfig();
  // Connecting first checks the server and the namespace: a wrong TEMPORAL_ADDRESS fails here, with one clear message.
  const agent = await AgentClient.connect(config);
  const uiUrl = await agent.uiUrl();
  return {
    context: { agent, link: (runId) => runUrl(uiUrl, config.namespace, runId), log },
    where: `Temporal ${config.address}, namespace "${config.namespace}", task queue "${config.taskQueue}"`,
    workers: 'Runs need a worker: `durable-agent worker`.',
    workerStopped: new Promise(() => undefined),
    close: async () => void (await within(agent.close(), CLOSE_STEP_MS)),
  };
}

/** `--local`: durable-agent in this process (the embedded server if none runs, a worker, the model), as `run` starts it. */
async function startLocal(options: McpServerOptions): Promise<Backend> {
  // Worker and core logs go to stderr (on stdio, stdout is the protocol channel); signals are ours to handle.
  installCliRuntime({ shutdownOnSignals: false, compact: true });
  // Its worker offers the folder's agents to every run, as `worker --agents` does (docs/sub-agents.md).
  const agents = loadConfiguredAgents(options.agents)?.agents ?? [];
  const runtime = await startLocalRuntime({
    onProgress: log,
    ...(agents.length ? { agents } : {}),
    retryMcpServers: true,
    ...(options.script ? { script: options.script } : {}),
    ...(options.mcpConfig ? { mcpConfig: options.mcpConfig } : {}),
  });
  log(runtime.model.notice);
  const { config, agent, taskQueue, privateQueue } = runtime;
  // The runs of a private queue can never be resumed once its worker stops: they are ended at shutdown.
  const started: string[] = [];
  return {
    context: { agent, link: (runId) => runtime.runUrl(runId), log, taskQueue, inProcessWorker: true, ...(privateQueue ? { onRunStarted: (runId: string) => void started.push(runId) } : {}) },
    where: `${runtime.embedded ? 'embedded ' : ''}Temporal ${config.address}, namespace "${config.namespace}", task queue "${taskQueue}"`,
    workers: privateQueue
      ? 'Runs are executed by the worker in this process (a private task queue: runs still open when it stops are cancelled).'
      : 'Runs are executed by the worker in this process (and any other `durable-agent worker` on the task queue).',
    workerStopped: runtime.working.then(
      () => ({}),
      (error: unknown) => ({ error }),
    ),
    close: async ({ serverLost }) => {
      if (started.length > 0 && !serverLost) await endPrivateRuns(agent, started, log);
      await runtime.close({ serverLost });
    },
  };
}

/** Why the server stops: a signal, the client leaving, or (`--local`) the in-process worker stopping, with its error. */
interface Stop {
  why: string;
  error?: Error;
}

/** A stop for when the in-process worker stopped by itself: the server cannot run anything any more. */
function workerStop(stopped: { error?: unknown }): Stop {
  const error = stopped.error instanceof Error ? stopped.error : new Error('it ended by itself; start the MCP server again', { cause: stopped.error });
  return { why: `The in-process worker stopped (${error.message})`, error };
}

/** `durable-agent mcp-server`: durable-agent as an MCP server, on stdio or streamable HTTP, until the client leaves or a signal. */
export function registerMcpServerCommand(program: Command): void {
  program
    .command('mcp-server')
    .description(
      'Serve durable-agent to MCP clients (IDEs, assistants, other agents): tools to start runs, follow them, answer approvals and questions, and get results. ' +
        'Stdio by default; --http serves streamable HTTP. Runs need a worker (`durable-agent worker`); --local runs one in this process ' +
        '(with the embedded server when none is configured or running), so one command is enough.',
    )
    .option('--http', `serve streamable HTTP at http://HOST:PORT/mcp instead of stdio`)
    .option('--port <port>', `HTTP port, with --http (default ${DEFAULT_MCP_HTTP_PORT}; 0 picks a free one)`, parsePort)
    .option('--host <host>', `address to listen on, with --http (default ${DEFAULT_MCP_HTTP_HOST}; there is no authentication, so keep it on loopback unless the network is trusted)`)
    .option('--local', 'run durable-agent in this process: a worker (the scripted demo model without OPENAI_API_KEY) and the embedded server when none runs')
    .option('--script <file>', 'with --local: answer from a scripted model file instead of an LLM (see docs/scripted-model.md)')
    .option('--agents <dir>', 'with --local: the folder of agent files whose agents the worker offers to runs as tools agent__<name> (default: $DURABLE_AGENT_AGENTS_DIR; docs/sub-agents.md)')
    .option('--mcp-config <file>', 'with --local: the worker offers the tools of these MCP servers too ({"mcpServers": …}; default: $DURABLE_AGENT_MCP_CONFIG)')
    .action(async (options: McpServerOptions, command: Command) => {
      if (!options.http && (options.port !== undefined || options.host !== undefined)) {
        throw new InvalidArgumentError('--port and --host apply to --http only; the default transport is stdio.');
      }
      if (!options.local && (options.script !== undefined || options.mcpConfig !== undefined || options.agents !== undefined)) {
        throw new InvalidArgumentError('--script, --mcp-config and --agents apply to --local only: without it, runs are executed by a `durable-agent worker` with its own model, tools and agents.');
      }
      const version = command.parent?.version() ?? 'unknown';
      let interrupts: Interrupts;
      let backend: Backend;
      if (options.local) {
        // Starting takes seconds (the embedded server, bundling the workflows): a Ctrl-C meanwhile must still stop what started.
        interrupts = listenForInterrupts();
        try {
          backend = await startLocal(options);
        } catch (error) {
          interrupts.dispose();
          throw error;
        }
      } else {
        backend = await connectToServer();
        interrupts = listenForInterrupts();
      }
      const workerStopped = backend.workerStopped.then(workerStop);
      let stop: Stop | undefined;
      try {
        if (options.http) {
          const host = options.host ?? DEFAULT_MCP_HTTP_HOST;
          const serving = await serveHttp({ host, port: options.port ?? DEFAULT_MCP_HTTP_PORT, createServer: () => createAgentMcpServer(backend.context, version), log });
          log(`durable-agent MCP server listening on ${serving.url} (${backend.where}). ${backend.workers} Ctrl-C stops it.`);
          if (!isLoopbackHost(host)) log(`Warning: ${host} is not a loopback address and the MCP server has no authentication: whoever reaches it can start and steer runs.`);
          stop = await Promise.race([interrupts.received.then((signal): Stop => ({ why: `${signal} received` })), workerStopped]);
          log(`${stop.why}: stopping the MCP server.`);
          await within(serving.close(), CLOSE_STEP_MS);
        } else {
          const serving = await serveStdio(createAgentMcpServer(backend.context, version));
          log(`durable-agent MCP server on stdio (${backend.where}). ${backend.workers}`);
          stop = await Promise.race([
            interrupts.received.then((signal): Stop => ({ why: signal })),
            serving.ended.then((): Stop => ({ why: 'the client closed stdin' })),
            workerStopped,
          ]);
          log(`${stop.why}: stopping the MCP server.`);
          await within(serving.close(), CLOSE_STEP_MS);
        }
      } finally {
        const failure = stop?.error;
        await backend.close({ serverLost: failure instanceof TemporalConnectionLostError || isConnectionFailure(failure) });
        // Listening until everything stopped: a second Ctrl-C meanwhile stops at once.
        interrupts.dispose();
      }
      if (stop?.error !== undefined) throw stop.error;
    });
}
