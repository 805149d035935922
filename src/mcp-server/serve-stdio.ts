import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** A server on this process's stdin and stdout, until `stop` or until the client closes stdin. */
export interface StdioServing {
  /** Resolves when the client closed its end (stdin ended): the session is over. */
  readonly ended: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves `server` over stdio. Stdout is the protocol channel from here on: console output that some library might
 * write there goes to stderr instead, since one stray line would break the client's JSON-RPC stream.
 */
export async function serveStdio(server: McpServer): Promise<StdioServing> {
  for (const method of ['log', 'info', 'debug'] as const) console[method] = console.error.bind(console);
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await server.connect(new StdioServerTransport());
  return { ended, close: () => server.close() };
}
