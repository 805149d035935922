/**
 * Where a chaos campaign's runs live: the dev server (one process, SQLite) or a 2-node `durable-agent cluster` on
 * PostgreSQL, the production topology. Each says where clients and workers connect and which server faults it has.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { clusterDown, clusterUp, restartClusterProcess } from '../src/cluster/cluster';
import { freeBasePort } from '../src/cluster/cluster-processes';
import { freePort, startDevServer, type DevServer } from '../src/temporal-server/dev-server';
import type { Random } from './random';

export type ServerFault = 'server_kill' | 'cluster_node_kill' | 'postgres_restart';

export interface Topology {
  name: 'dev' | 'cluster';
  /** The frontends: clients use the first; workers are spread over all of them. */
  frontends: readonly string[];
  faults: readonly ServerFault[];
  /**
   * After a server fault the next waits this long: every run meets a crash, not a crash every few seconds, which no
   * system rides out with bounded decisions. Longer on the dev server, where a crash stops everything.
   */
  serverFaultCooldownMs: number;
  /** Crashes a server process (or PostgreSQL), leaves it down `downMs` and starts it again; returns what it hit. */
  crash(kind: ServerFault, downMs: number, random: Random): Promise<string>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function devTopology(folder: string, log: (line: string) => void): Promise<Topology> {
  const options = { port: await freePort(), uiPort: await freePort(), dbFile: join(folder, 'chaos.sqlite'), onProgress: log };
  let server: DevServer = await startDevServer(options);
  return {
    name: 'dev',
    frontends: [server.address],
    faults: ['server_kill'],
    serverFaultCooldownMs: 30_000,
    async crash(_kind, downMs) {
      process.kill(server.pid, 'SIGKILL');
      await server.exited;
      await sleep(downMs);
      // Its ports may still be held for a moment: try again until it is back.
      for (let tries = 1; ; tries += 1) {
        try {
          server = await startDevServer(options);
          return `dev server ${server.address}`;
        } catch (error) {
          if (tries >= 20) throw error;
          await sleep(500);
        }
      }
    },
    stop: () => server.stop(),
  };
}

/** Two server nodes on one PostgreSQL (`durable-agent cluster up --nodes 2 --no-ui`), in the campaign's folder. */
export async function clusterTopology(folder: string, log: (line: string) => void): Promise<Topology> {
  const clusterFolder = join(folder, 'cluster');
  // PostgreSQL runs as another user when this one is root: it must reach its data folder (mkdtemp made this one 0700).
  chmodSync(folder, 0o755);
  const { state } = await clusterUp({ nodes: 2, basePort: await freeBasePort(2), folder: clusterFolder, ui: false, onProgress: log });
  return {
    name: 'cluster',
    frontends: state.frontends,
    faults: ['cluster_node_kill', 'postgres_restart'],
    // A node kill leaves the other node serving; a PostgreSQL restart stops both for its recovery.
    serverFaultCooldownMs: 10_000,
    async crash(kind, downMs, random) {
      const name = kind === 'postgres_restart' ? 'postgres' : random.pick(['node-1', 'node-2']);
      await restartClusterProcess({ folder: clusterFolder, name, downMs, onProgress: log });
      return name === 'postgres' ? 'PostgreSQL (immediate shutdown, restarted)' : `cluster ${name} (SIGKILL, restarted)`;
    },
    stop: async () => void (await clusterDown({ folder: clusterFolder })),
  };
}
