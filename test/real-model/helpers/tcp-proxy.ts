import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 that records when the client side of each connection opened and closed. */
export interface TcpProxy {
  readonly port: number;
  /** Every connection the client made, in order; `closedAt` once the client's socket closed. */
  readonly connections: Array<{ openedAt: number; closedAt?: number }>;
  close(): Promise<void>;
}

/**
 * Sits between the worker's `openai` client and the model server, so a test sees the moment the client drops the
 * HTTP connection (a cancelled model call) apart from the moment the server stops working on it.
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const connections: TcpProxy['connections'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const record: { openedAt: number; closedAt?: number } = { openedAt: Date.now() };
    connections.push(record);
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => {
      record.closedAt = Date.now();
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
