import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the test server saw; tests assert on it. */
export interface HttpTestServer {
  readonly port: number;
  readonly origin: string;
  /** Paths requested, in order, with the Host header each request carried. */
  readonly requests: Array<{ path: string; host: string | undefined }>;
  /** Resolves when a request to /slow has arrived; then with the time its connection closed. */
  slowRequestArrived(): Promise<void>;
  slowRequestClosed(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 for tool tests: JSON, a large body, redirects, a body that never ends,
 * and a page that echoes the Host header.
 */
export async function startHttpTestServer(): Promise<HttpTestServer> {
  const requests: HttpTestServer['requests'] = [];
  let markArrived: () => void = () => undefined;
  let markClosed: (at: number) => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (markArrived = resolve));
  const closed = new Promise<number>((resolve) => (markClosed = resolve));

  const server: Server = createServer((request: IncomingMessage, response) => {
    const url = new URL(request.url ?? '/', 'http://test');
    requests.push({ path: url.pathname + url.search, host: request.headers.host });
    switch (url.pathname) {
      case '/json':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"name":"durable-agent","tags":["a","b"]}');
        return;
      case '/text':
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('plain text body');
        return;
      case '/big': {
        const size = Number(url.searchParams.get('bytes') ?? 2_000_000);
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(size) });
        response.end('b'.repeat(size));
        return;
      }
      case '/redirect':
        response.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
        response.end();
        return;
      case '/loop':
        response.writeHead(302, { location: '/loop' });
        response.end();
        return;
      case '/echo-host':
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end(`host=${request.headers.host ?? ''}`);
        return;
      case '/slow':
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('first bytes…');
        request.socket.once('close', () => markClosed(Date.now()));
        markArrived();
        return; // never ends
      default:
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    slowRequestArrived: () => arrived,
    slowRequestClosed: () => closed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
