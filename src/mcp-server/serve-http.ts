import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ConfigurationError } from '../config/temporal-config';

/** The one path the HTTP server answers on. */
export const MCP_PATH = '/mcp';

/** Host names that name this machine: on a loopback bind, a request for any other host is a DNS-rebinding attempt. */
const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface HttpServeOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** A fresh MCP server for one request (stateless mode: no session outlives its request). */
  createServer: () => McpServer;
  log: (line: string) => void;
}

export interface HttpServing {
  /** `http://host:port/mcp`, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

/** True for a host that only this machine can reach (host names are case-insensitive). */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  return LOOPBACK_HOSTNAMES.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * The host names a request may name on a loopback bind: this machine's usual names plus the address it listens on
 * (`--host 127.0.0.2`; an IPv6 one in brackets, as it appears in a Host header or a URL), all lower-case.
 */
export function allowedHostnames(listenHost: string): ReadonlySet<string> {
  const own = listenHost.toLowerCase();
  return new Set([...LOOPBACK_HOSTNAMES, own.includes(':') && !own.startsWith('[') ? `[${own}]` : own]);
}

/** The host name of a Host header, without its port, lower-cased (`LOCALHOST:8765` → `localhost`). */
function hostnameOf(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}

function originHostname(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return '';
  }
}

/** A JSON-RPC error answer outside any MCP session (wrong path, method or host). */
function refuse(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32_000, message }, id: null }));
}

/** Why a request is not for us, or undefined when it is. */
function refusal(request: IncomingMessage, allowed: ReadonlySet<string> | undefined): { status: number; message: string; headers?: Record<string, string> } | undefined {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path !== MCP_PATH) return { status: 404, message: `Not found: the MCP endpoint is ${MCP_PATH}.` };
  if (allowed) {
    const host = hostnameOf(request.headers.host ?? '');
    const origin = request.headers.origin;
    if (!allowed.has(host)) return { status: 403, message: `Forbidden: host "${host}" is not this machine.` };
    if (origin && !allowed.has(originHostname(origin))) return { status: 403, message: `Forbidden: origin "${origin}" is not this machine.` };
  }
  // Stateless: no session, so no server-to-client stream (GET) and nothing to delete (DELETE).
  if (request.method !== 'POST') return { status: 405, message: 'Method not allowed: this stateless server answers POST only.', headers: { allow: 'POST' } };
  return undefined;
}

/**
 * Serves streamable HTTP at `http://host:port/mcp`, stateless: each POST gets a fresh MCP server and transport
 * (cheap: they share the Temporal client), answered with plain JSON. On a loopback host, requests naming another
 * host or origin than this machine's names and the listening address (compared case-insensitively, port ignored) are
 * refused (DNS rebinding). There is no authentication: bind beyond loopback only on a trusted network.
 */
export async function serveHttp(options: HttpServeOptions): Promise<HttpServing> {
  // Only a loopback bind checks names: beyond loopback, whoever reaches the server may use it (see the command's warning).
  const allowed = isLoopbackHost(options.host) ? allowedHostnames(options.host) : undefined;
  const open = new Set<{ close: () => Promise<void> }>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const refused = refusal(request, allowed);
    if (refused) return refuse(response, refused.status, refused.message, refused.headers);
    const server = options.createServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    const session = { close: async () => void (await Promise.allSettled([transport.close(), server.close()])) };
    open.add(session);
    response.on('close', () => {
      open.delete(session);
      void session.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response);
  };
  // Whatever one request does wrong is that request's failure, never the server's.
  const answer = (request: IncomingMessage, response: ServerResponse) =>
    handle(request, response).catch((error: unknown) => {
      options.log(`durable-agent mcp-server: an HTTP request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) refuse(response, 500, 'Internal server error.');
      else response.end();
    });

  const http = createServer((request, response) => void answer(request, response));
  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new ConfigurationError(`port ${options.port} is in use on ${options.host}: choose another --port, or --port 0 for a free one.`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new ConfigurationError(`cannot listen on host "${options.host}" (${error.code}): give an address of this machine with --host.`));
      else reject(error);
    });
    http.listen(options.port, options.host, () => resolve());
  });
  // Listening: a later server error is logged, never the end of the process.
  http.on('error', (error) => options.log(`durable-agent mcp-server: HTTP server error: ${error.message}`));
  const { port } = http.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}${MCP_PATH}`,
    close: async () => {
      await Promise.allSettled([...open].map((session) => session.close()));
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
    },
  };
}
