import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevServerStartError, startDevServer } from '../../src/temporal-server/dev-server';
import { freePortPair } from '../helpers/ports';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A port the dev server needs is taken: ports it picked itself (0) are picked anew; ports it was given fail with a hint. */
describe('dev server on a port already in use', () => {
  jest.setTimeout(120_000);
  let folder: string;
  let taken: Server;
  let takenPort: number;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-dev-ports-'));
    takenPort = await freePortPair();
    taken = await listen(takenPort + 1_000);
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  });

  const start = async (port: number, uiPort: number) => {
    const logs: string[] = [];
    const error = await startDevServer({ port, uiPort, dbFile: join(folder, `${port}.sqlite`), onProgress: () => undefined, onLog: (line) => logs.push(line) }).then(
      async (server) => {
        await server.stop();
        throw new Error(`the server started on ${server.address} although its UI port ${uiPort} was taken`);
      },
      (failure: unknown) => failure,
    );
    return { error, attempts: logs.filter((line) => line.includes(`can't set UI port ${uiPort}`)).length };
  };

  it('given ports: one attempt, then an error that names the ports and what to do', async () => {
    const { error, attempts } = await start(takenPort, takenPort + 1_000);
    expect(error).toBeInstanceOf(DevServerStartError);
    expect((error as Error).message).toContain(`Port ${takenPort} or ${takenPort + 1_000} is already in use`);
    expect((error as Error).message).toContain(`TEMPORAL_ADDRESS=127.0.0.1:${takenPort}`);
    expect(attempts).toBe(1);
  });

  it('a port it picked itself: it starts again on new ports (here the UI port stays taken, so all three attempts fail)', async () => {
    const { error, attempts } = await start(0, takenPort + 1_000);
    expect(error).toBeInstanceOf(DevServerStartError);
    expect((error as Error).message).toContain('is already in use');
    expect(attempts).toBe(3);
  });
});
