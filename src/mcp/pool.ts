import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool as McpToolDescription } from '@modelcontextprotocol/sdk/types.js';
import { isStdio, type McpServerConfig } from './config';

/** How long an unused connection stays open (a stdio server keeps running meanwhile). */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** Longest wait for a server to start and answer `initialize`. */
const CONNECT_TIMEOUT_MS = 30_000;
/** Lines of a stdio server's stderr kept, to explain a crash. */
const STDERR_LINES = 20;

interface Connection {
  client: Client;
  transport: Transport;
  inFlight: number;
  idleTimer?: NodeJS.Timeout;
  stderr: string[];
}

/** Raised when a server cannot be reached or started; transient by nature, so the call is retried. */
export class McpConnectionError extends Error {
  override name = 'McpConnectionError';
}

/**
 * A worker's connections to its MCP servers: opened on first use, shared by all calls, closed after an idle
 * timeout. A connection whose transport closed (a crashed stdio server, a dropped HTTP session) is forgotten, so the
 * next call starts the server again.
 */
export class McpPool {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly servers: ReadonlyMap<string, McpServerConfig>;
  private closed = false;

  constructor(servers: readonly McpServerConfig[]) {
    this.servers = new Map(servers.map((server) => [server.name, server]));
  }

  get serverNames(): string[] {
    return [...this.servers.keys()];
  }

  /** The server's tools, as it lists them (all pages). */
  async listTools(server: string): Promise<McpToolDescription[]> {
    return this.use(server, async (client) => {
      const tools: McpToolDescription[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, { timeout: CONNECT_TIMEOUT_MS });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return tools;
    });
  }

  /**
   * Calls a tool. Aborting `signal` cancels the request: the SDK sends `notifications/cancelled` to the server and the
   * call rejects at once. `timeoutMs` bounds the request on the client side too.
   */
  async callTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: { signal: AbortSignal; timeoutMs: number; meta?: Record<string, unknown> },
  ): Promise<CallToolResult> {
    const request = { name: tool, arguments: args, ...(options.meta ? { _meta: options.meta } : {}) };
    return this.use(server, (client) => client.callTool(request, undefined, { signal: options.signal, timeout: options.timeoutMs }) as Promise<CallToolResult>);
  }

  /** The pid of a stdio server's process while it is connected (for tests and diagnostics). */
  async pidOf(server: string): Promise<number | undefined> {
    const connection = await this.connections.get(server)?.catch(() => undefined);
    return connection?.transport instanceof StdioClientTransport ? (connection.transport.pid ?? undefined) : undefined;
  }

  /** Closes every connection (stdio servers end with their stdin); the pool opens none after this. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map(async (pending) => (await pending.catch(() => undefined))?.client.close().catch(() => undefined)));
  }

  private async use<T>(server: string, action: (client: Client) => Promise<T>): Promise<T> {
    const connection = await this.connection(server);
    connection.inFlight += 1;
    if (connection.idleTimer) clearTimeout(connection.idleTimer);
    try {
      return await action(connection.client);
    } catch (error) {
      const last = connection.stderr.slice(-3).join(' | ');
      if (error instanceof Error && last && /closed|ECONNRESET|EPIPE/i.test(error.message)) error.message = `${error.message} (server stderr: ${last})`;
      throw error;
    } finally {
      connection.inFlight -= 1;
      if (connection.inFlight === 0 && this.connections.has(server)) this.armIdle(server, connection);
    }
  }

  private armIdle(server: string, connection: Connection): void {
    const idleMs = this.servers.get(server)?.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    connection.idleTimer = setTimeout(() => {
      this.connections.delete(server);
      void connection.client.close().catch(() => undefined);
    }, idleMs);
    connection.idleTimer.unref();
  }

  private connection(server: string): Promise<Connection> {
    const existing = this.connections.get(server);
    if (existing) return existing;
    const config = this.servers.get(server);
    if (!config) return Promise.reject(new McpConnectionError(`no MCP server named "${server}" is configured on this worker`));
    if (this.closed) return Promise.reject(new McpConnectionError(`the MCP servers of this worker are closed (it is stopping), so "${server}" is not started again`));
    const opening = this.open(config);
    this.connections.set(server, opening);
    // A failed start is not kept: the next call tries again.
    opening.catch(() => {
      if (this.connections.get(server) === opening) this.connections.delete(server);
    });
    return opening;
  }

  private async open(config: McpServerConfig): Promise<Connection> {
    const stderr: string[] = [];
    const transport: Transport = isStdio(config)
      ? new StdioClientTransport({ command: config.command, args: config.args ?? [], ...(config.env ? { env: config.env } : {}), ...(config.cwd ? { cwd: config.cwd } : {}), stderr: 'pipe' })
      : new StreamableHTTPClientTransport(new URL(config.url), config.headers ? { requestInit: { headers: config.headers } } : {});
    if (transport instanceof StdioClientTransport) {
      transport.stderr?.on('data', (chunk: Buffer) => {
        stderr.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        if (stderr.length > STDERR_LINES) stderr.splice(0, stderr.length - STDERR_LINES);
      });
    }
    const client = new Client({ name: 'durable-agent', version: '1' });
    const connection: Connection = { client, transport, inFlight: 0, stderr };
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
    } catch (error) {
      await client.close().catch(() => undefined);
      const where = isStdio(config) ? `start the stdio server "${config.name}" (${config.command})` : `reach the MCP server "${config.name}" at ${new URL(config.url).origin}`;
      throw new McpConnectionError(`could not ${where}: ${(error as Error).message}${stderr.length ? ` (stderr: ${stderr.slice(-3).join(' | ')})` : ''}`);
    }
    // A crashed server or a dropped session: forget the connection, so the next call starts over.
    const previous = client.onclose;
    client.onclose = () => {
      previous?.();
      void this.connections.get(config.name)?.then((current) => {
        if (current === connection) this.connections.delete(config.name);
      });
    };
    return connection;
  }
}
