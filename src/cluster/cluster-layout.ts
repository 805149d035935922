import { join, resolve } from 'node:path';

export interface ClusterOptions {
  /** Number of Temporal server processes, each running all four services. @default 2 */
  nodes?: number;
  /**
   * First port of the cluster's range, all on 127.0.0.1: PostgreSQL on `basePort`, the Web UI on `basePort + 1`,
   * then ten ports per node from `basePort + 10` (see {@link clusterPorts}). The whole range must stay at or below
   * 32767: Temporal's SQL schema stores membership ports in a smallint.
   * @default 7300
   */
  basePort?: number;
  /** Folder that holds the state file, the configs, the logs and PostgreSQL's data. @default '.temporal/cluster' */
  folder?: string;
  /** Namespace created at start, with the agent's search attributes. @default 'default' */
  namespace?: string;
  /** Start the Web UI server (built with Go on first use). @default true */
  ui?: boolean;
  /** How long to wait for PostgreSQL, then for the frontends to answer. @default 120_000 */
  readyTimeoutMs?: number;
  /** Receives progress lines. @default writes to stderr */
  onProgress?: (line: string) => void;
  /** Environment used to find Go, PostgreSQL and the cache folder. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_CLUSTER_OPTIONS = {
  nodes: 2,
  basePort: 7300,
  folder: '.temporal/cluster',
  namespace: 'default',
  ui: true,
  readyTimeoutMs: 120_000,
} as const;

/** A sanity cap: each node is a full server process (all four services) on this one machine. */
export const MAX_CLUSTER_NODES = 9;

/** Ports of one Temporal server node: every service has a gRPC and a membership (ringpop) port. */
export interface NodePorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
}

export interface ClusterPorts {
  postgres: number;
  ui: number;
  nodes: NodePorts[];
}

/** The port plan: fixed offsets from the base port, so a user can predict every address. */
export function clusterPorts(basePort: number, nodes: number): ClusterPorts {
  return {
    postgres: basePort,
    ui: basePort + 1,
    nodes: Array.from({ length: nodes }, (_, index) => {
      const first = basePort + 10 * (index + 1);
      return {
        frontend: first,
        frontendHttp: first + 1,
        history: first + 2,
        matching: first + 3,
        worker: first + 4,
        frontendMembership: first + 5,
        historyMembership: first + 6,
        matchingMembership: first + 7,
        workerMembership: first + 8,
      };
    }),
  };
}

/** Every port of the plan, for the is-it-free check before anything starts. */
export function allPorts(ports: ClusterPorts, withUi: boolean): number[] {
  return [ports.postgres, ...(withUi ? [ports.ui] : []), ...ports.nodes.flatMap((node) => Object.values(node) as number[])];
}

/** Where each file of a cluster lives inside its folder. */
export interface ClusterPaths {
  folder: string;
  stateFile: string;
  dynamicConfig: string;
  postgresFolder: string;
  postgresData: string;
  postgresLog: string;
  schemaLog: string;
  uiRoot: string;
  uiLog: string;
  nodeRoot(index: number): string;
  nodeLog(index: number): string;
}

export function clusterPaths(folder: string): ClusterPaths {
  const absolute = resolve(folder);
  return {
    folder: absolute,
    stateFile: join(absolute, 'cluster.json'),
    dynamicConfig: join(absolute, 'dynamicconfig.yaml'),
    postgresFolder: join(absolute, 'postgres'),
    postgresData: join(absolute, 'postgres', 'data'),
    postgresLog: join(absolute, 'postgres', 'postgres.log'),
    schemaLog: join(absolute, 'postgres', 'schema.log'),
    uiRoot: join(absolute, 'ui'),
    uiLog: join(absolute, 'ui', 'ui-server.log'),
    nodeRoot: (index) => join(absolute, `node-${index + 1}`),
    nodeLog: (index) => join(absolute, `node-${index + 1}`, 'temporal-server.log'),
  };
}
