import { InvalidArgumentError, type Command } from 'commander';
import { AgentClient, loadTemporalConfig } from '../../client';
import { createAgentMcpServer } from '../../mcp-server/create-server';
import type { McpServerContext } from '../../mcp-server/mcp-tool';
import { isLoopbackHost, serveHttp } from '../../mcp-server/serve-http';
import { serveStdio } from '../../mcp-server/serve-stdio';
import { listenForInterrupts } from '../interrupts';
import { runUrl, uiUrlFor } from '../local-runtime';
import { parsePort } from '../parse';
import { within } from '../within';

interface McpServerOptions {
  http?: boolean;
  port?: number;
  host?: string;
}

/** The HTTP server's port and host when none is given. */
export const DEFAULT_MCP_HTTP_PORT = 8765;
export const DEFAULT_MCP_HTTP_HOST = '127.0.0.1';
/** Upper bound on each clean-up step at shutdown, so the process always ends. */
const CLOSE_STEP_MS = 5_000;

const log = (line: string) => void process.stderr.write(`${line}\n`);

/** `durable-agent mcp-server`: durable-agent as an MCP server, on stdio or streamable HTTP, until the client leaves or a signal. */
export function registerMcpServerCommand(program: Command): void {
  program
    .command('mcp-server')
    .description(
      'Serve durable-agent to MCP clients (IDEs, assistants, other agents): tools to start runs, follow them, answer approvals and questions, and get results. ' +
        'Stdio by default; --http serves streamable HTTP. Runs need a worker (`durable-agent worker`); this command starts none.',
    )
    .option('--http', `serve streamable HTTP at http://HOST:PORT/mcp instead of stdio`)
    .option('--port <port>', `HTTP port, with --http (default ${DEFAULT_MCP_HTTP_PORT}; 0 picks a free one)`, parsePort)
    .option('--host <host>', `address to listen on, with --http (default ${DEFAULT_MCP_HTTP_HOST}; there is no authentication, so keep it on loopback unless the network is trusted)`)
    .action(async (options: McpServerOptions, command: Command) => {
      if (!options.http && (options.port !== undefined || options.host !== undefined)) {
        throw new InvalidArgumentError('--port and --host apply to --http only; the default transport is stdio.');
      }
      const config = loadTemporalConfig();
      // Connecting first checks the server and the namespace: a wrong TEMPORAL_ADDRESS fails here, with one clear message.
      const agent = await AgentClient.connect(config);
      const interrupts = listenForInterrupts();
      const context: McpServerContext = { agent, link: (runId) => runUrl(uiUrlFor(config.address), config.namespace, runId), log };
      const version = command.parent?.version() ?? 'unknown';
      const target = `Temporal ${config.address}, namespace "${config.namespace}", task queue "${config.taskQueue}"`;
      try {
        if (options.http) {
          const host = options.host ?? DEFAULT_MCP_HTTP_HOST;
          const serving = await serveHttp({ host, port: options.port ?? DEFAULT_MCP_HTTP_PORT, createServer: () => createAgentMcpServer(context, version), log });
          log(`durable-agent MCP server listening on ${serving.url} (${target}). Runs need a worker: \`durable-agent worker\`. Ctrl-C stops it.`);
          if (!isLoopbackHost(host)) log(`Warning: ${host} is not a loopback address and the MCP server has no authentication: whoever reaches it can start and steer runs.`);
          const signal = await interrupts.received;
          log(`${signal} received: stopping the MCP server.`);
          await within(serving.close(), CLOSE_STEP_MS);
        } else {
          const serving = await serveStdio(createAgentMcpServer(context, version));
          log(`durable-agent MCP server on stdio (${target}). Runs need a worker: \`durable-agent worker\`.`);
          const why = await Promise.race([interrupts.received, serving.ended.then(() => 'the client closed stdin')]);
          log(`${why}: stopping the MCP server.`);
          await within(serving.close(), CLOSE_STEP_MS);
        }
      } finally {
        interrupts.dispose();
        await within(agent.close(), CLOSE_STEP_MS);
      }
    });
}
