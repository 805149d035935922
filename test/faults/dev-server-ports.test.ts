import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedServer } from '../../src/runtime/embedded-server';
import { DevServerStartError, freePort, startDevServer, type DevServer } from '../../src/temporal-server/dev-server';
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

  /** A port picker whose pick number `collision` (from 0) is the taken port; the others are the OS's free ports. */
  const collidingPicks = (collision: number) => {
    const picks: number[] = [];
    const pickPort = async (ip: string) => {
      const port = picks.length === collision ? takenPort + 1_000 : await freePort(ip);
      picks.push(port);
      return port;
    };
    return { picks, pickPort };
  };

  const start = async (port: number, uiPort: number, pickPort?: (ip: string) => Promise<number>) => {
    const logs: string[] = [];
    const outcome = await startDevServer({
      port,
      uiPort,
      dbFile: join(folder, `${port}-${uiPort}.sqlite`),
      onProgress: () => undefined,
      onLog: (line) => logs.push(line),
      ...(pickPort ? { pickPort } : {}),
    }).then(
      (server): { server?: DevServer; error?: unknown } => ({ server }),
      (error: unknown): { server?: DevServer; error?: unknown } => ({ error }),
    );
    return { ...outcome, refusals: logs.filter((line) => line.includes(`can't set UI port ${takenPort + 1_000}`)).length };
  };

  it('given ports: one attempt, then an error that names the ports and what to do', async () => {
    const { error, refusals } = await start(takenPort, takenPort + 1_000);
    expect(error).toBeInstanceOf(DevServerStartError);
    expect((error as Error).message).toContain(`Port ${takenPort} or ${takenPort + 1_000} is already in use`);
    expect((error as Error).message).toContain(`TEMPORAL_ADDRESS=127.0.0.1:${takenPort}`);
    expect(refusals).toBe(1);
    expect((error as DevServerStartError).portsTaken).toEqual([takenPort + 1_000]);
  });

  it('a given UI port taken is not retried even when the gRPC port is picked (another one would not help)', async () => {
    const { error, refusals } = await start(0, takenPort + 1_000);
    expect(error).toBeInstanceOf(DevServerStartError);
    expect((error as Error).message).toContain('is already in use');
    expect(refusals).toBe(1);
  });

  it('a picked port taken before the server binds it: it starts again on another one', async () => {
    // The first pick of the UI port (the second pick) is the taken one, as when a connection takes it between the pick and the bind.
    const { picks, pickPort } = collidingPicks(1);
    const { server, error, refusals } = await start(0, 0, pickPort);
    try {
      expect(error).toBeUndefined();
      expect(refusals).toBe(1);
      expect(picks).toHaveLength(4);
      expect(server?.uiUrl).toBe(`http://127.0.0.1:${picks[3]}`);
      expect(server?.address).toBe(`127.0.0.1:${picks[2]}`);
    } finally {
      await server?.stop();
    }
  });

  it('with encryption on, a picked UI port taken before the server binds it: a new one, and a codec server for its origin', async () => {
    // The embedded server picks the UI port first (its codec server needs the UI's origin).
    const { picks, pickPort } = collidingPicks(0);
    const keys = `ports:${randomBytes(32).toString('base64')}`;
    const embedded = await startEmbeddedServer({ port: 0, uiPort: 0, pickPort, dbFile: join(folder, 'embedded.sqlite'), onProgress: () => undefined, env: { ...process.env, DURABLE_AGENT_ENCRYPTION_KEYS: keys } });
    try {
      expect(picks[0]).toBe(takenPort + 1_000);
      expect(embedded.server.uiUrl).not.toContain(`:${takenPort + 1_000}`);
      expect(embedded.codec).toBeDefined();
    } finally {
      await embedded.stop();
    }
  });
});
