import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpServerContext } from './mcp-tool';
import { MCP_SERVER_TOOLS } from './tools';

/** What an MCP client (and its model) is told about the server as a whole, once, at initialization. */
const INSTRUCTIONS =
  'durable-agent runs agent work durably on Temporal: a run survives restarts, can take hours and can wait for a person. ' +
  'Delegate a goal with start_run (it returns a runId at once), then follow it with run_status or run_events, ' +
  'answer what it waits for with pending and approve / deny / reply, and get the answer with run_result (waitSeconds to wait a while; call again to wait more). ' +
  'Pause a run before its next step with pause_run and let it go on with resume_run. ' +
  'Runs are executed by durable-agent workers (this server runs one itself only when started with --local): if a tool says no worker answered, one must be started (`durable-agent worker`).';

/** A new MCP server with every tool, on one shared Temporal client (one per stdio session, one per HTTP request). */
export function createAgentMcpServer(context: McpServerContext, version: string): McpServer {
  const server = new McpServer({ name: 'durable-agent', version }, { instructions: INSTRUCTIONS, maxToolInputElements: 10_000 });
  for (const tool of MCP_SERVER_TOOLS) tool.register(server, context);
  return server;
}
