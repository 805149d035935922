import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the tool server received: a tool call's attempt, by its idempotency key. */
export interface EffectRecord {
  key: string;
  attempt: number;
  startedAt: number;
  doneAt?: number;
}

/**
 * The tool's server: where the `effect` tool's side effects happen and are counted by idempotency key (no deduplication:
 * every request runs), so the campaign can tell whether a call whose completion was recorded ever ran again.
 */
export class ToolServer {
  readonly records: EffectRecord[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const { key, attempt, ms } = JSON.parse(body || '{}') as { key?: string; attempt?: number; ms?: number };
        if (typeof key !== 'string') {
          response.writeHead(400).end('{"error":"key missing"}');
          return;
        }
        const record: EffectRecord = { key, attempt: attempt ?? 0, startedAt: Date.now() };
        this.records.push(record);
        setTimeout(() => {
          record.doneAt = Date.now();
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ key, attempt, done: true }));
        }, ms ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/effect`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
