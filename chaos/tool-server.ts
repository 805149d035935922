import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { MCP_META_ATTEMPT, MCP_META_IDEMPOTENCY_KEY } from '../src/mcp/mcp-tools';

/** One request the tool server received: a tool call's attempt, by its idempotency key. */
export interface EffectRecord {
  key: string;
  attempt: number;
  startedAt: number;
  doneAt?: number;
  via: 'http' | 'mcp';
}

/**
 * The tools' server: where the side effects of the `effect` tool (plain HTTP, `/effect`) and of the MCP tool `record`
 * (streamable HTTP, `/mcp`, the call's key from its request's `_meta`) happen and are counted by idempotency key. No
 * deduplication: every request runs, so the campaign can tell whether a call whose completion was recorded ever ran again.
 */
export class ToolServer {
  readonly records: EffectRecord[] = [];
  private server?: Server;
  url = '';
  mcpUrl = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.url?.startsWith('/mcp')) void this.mcp(request, response).catch(() => response.headersSent || response.writeHead(500).end());
      else this.effect(request, response);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.url = `${base}/effect`;
    this.mcpUrl = `${base}/mcp`;
  }

  /** Records an attempt, then answers after `ms`. */
  private perform(key: string, attempt: number, ms: number, via: EffectRecord['via']): Promise<void> {
    const record: EffectRecord = { key, attempt, startedAt: Date.now(), via };
    this.records.push(record);
    return new Promise((resolve) =>
      setTimeout(() => {
        record.doneAt = Date.now();
        resolve();
      }, ms),
    );
  }

  private effect(request: IncomingMessage, response: ServerResponse): void {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const { key, attempt, ms } = JSON.parse(body || '{}') as { key?: string; attempt?: number; ms?: number };
      if (typeof key !== 'string') {
        response.writeHead(400).end('{"error":"key missing"}');
        return;
      }
      void this.perform(key, attempt ?? 0, ms ?? 0, 'http').then(() => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ key, attempt, done: true })));
    });
  }

  /** One stateless MCP exchange: a fresh server and transport per request. */
  private async mcp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const server = new McpServer({ name: 'chaos-tools', version: '1.0.0' });
    server.registerTool(
      'record',
      { description: 'Performs a counted side effect that takes `ms` milliseconds.', inputSchema: { name: z.string(), ms: z.number().int().min(0).max(10_000) } },
      async ({ ms }, extra) => {
        const key = extra._meta?.[MCP_META_IDEMPOTENCY_KEY];
        if (typeof key !== 'string') return { isError: true, content: [{ type: 'text' as const, text: 'no idempotency key in _meta' }] };
        const attempt = extra._meta?.[MCP_META_ATTEMPT];
        await this.perform(key, typeof attempt === 'number' ? attempt : 0, ms, 'mcp');
        return { content: [{ type: 'text' as const, text: `recorded ${key}` }] };
      },
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => void Promise.allSettled([transport.close(), server.close()]));
    await server.connect(transport);
    await transport.handleRequest(request, response);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
