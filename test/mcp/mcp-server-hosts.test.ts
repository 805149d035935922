import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AgentClient } from '../../src/client';
import { createAgentMcpServer } from '../../src/mcp-server/create-server';
import { serveHttp, type HttpServing } from '../../src/mcp-server/serve-http';
import { testConfig } from '../helpers/temporal';

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'hosts-test', version: '1' } } });

/** A raw `initialize` POST to `address`, with the Host (and Origin) headers set by hand; resolves to the status code. */
async function post(address: string, port: number, headers: { host: string; origin?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: address, port, method: 'POST', path: '/mcp', headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(INITIALIZE);
  });
}

/** The Host-header check of `mcp-server --http` (DNS rebinding), with real HTTP requests on loopback addresses. */
describe('mcp-server --http: which host names it answers', () => {
  let agent: AgentClient;
  const servings: HttpServing[] = [];

  beforeAll(async () => {
    agent = await AgentClient.connect(testConfig());
  });

  afterAll(async () => {
    await Promise.all(servings.map((serving) => serving.close()));
    await agent.close();
  });

  async function serve(host: string): Promise<{ port: number; url: string }> {
    const serving = await serveHttp({ host, port: 0, createServer: () => createAgentMcpServer({ agent, link: () => undefined, log: () => undefined }, 'test'), log: () => undefined });
    servings.push(serving);
    return { port: Number(new URL(serving.url).port), url: serving.url };
  }

  it('on --host 127.0.0.2 (loopback, not 127.0.0.1) it answers requests naming its own address, with or without the port', async () => {
    const { port, url } = await serve('127.0.0.2');
    expect(url).toBe(`http://127.0.0.2:${port}/mcp`);
    // The MCP SDK's client names the URL's host: 127.0.0.2:<port>.
    const client = new Client({ name: 'hosts-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('start_run');
    await client.close();
    expect(await post('127.0.0.2', port, { host: '127.0.0.2' })).toBe(200);
    expect(await post('127.0.0.2', port, { host: `127.0.0.2:${port}`, origin: `http://127.0.0.2:${port}` })).toBe(200);
    expect(await post('127.0.0.2', port, { host: `localhost:${port}` })).toBe(200);
    // Other names are still refused: another loopback address, a foreign host, a foreign origin.
    expect(await post('127.0.0.2', port, { host: `127.0.0.3:${port}` })).toBe(403);
    expect(await post('127.0.0.2', port, { host: `evil.example:${port}` })).toBe(403);
    expect(await post('127.0.0.2', port, { host: `127.0.0.2:${port}`, origin: 'http://evil.example' })).toBe(403);
  });

  it('compares host names case-insensitively: Host LOCALHOST and Origin http://LocalHost are this machine', async () => {
    const { port } = await serve('127.0.0.1');
    expect(await post('127.0.0.1', port, { host: `LOCALHOST:${port}` })).toBe(200);
    expect(await post('127.0.0.1', port, { host: 'LocalHost', origin: `http://LocalHost:${port}` })).toBe(200);
    expect(await post('127.0.0.1', port, { host: `EVIL.example:${port}` })).toBe(403);
  });

  it('on --host LOCALHOST (upper case) it still checks names, and answers localhost', async () => {
    const { port } = await serve('LOCALHOST');
    const address = await new Promise<string>((resolve) => {
      // localhost may resolve to ::1 or 127.0.0.1: ask for whichever the server took.
      httpRequest({ host: 'localhost', port, method: 'GET', path: '/mcp' }, (response) => {
        resolve(response.socket.remoteAddress ?? '127.0.0.1');
        response.resume();
      }).end();
    });
    expect(await post(address, port, { host: `localhost:${port}` })).toBe(200);
    expect(await post(address, port, { host: `evil.example:${port}` })).toBe(403);
  });
});
