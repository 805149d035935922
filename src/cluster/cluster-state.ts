import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClusterPorts } from './cluster-layout';
import type { TrackedProcess } from './cluster-processes';

/** A process of the cluster as the state file records it. */
export interface ClusterProcess extends TrackedProcess {
  /** A path inside the cluster's folder that the process's command line mentions (see `isOurProcess`). */
  marker: string;
  /** How to ask it to stop: SIGTERM, or SIGINT for PostgreSQL's fast shutdown. */
  stopSignal: NodeJS.Signals;
}

/** `cluster.json` in the cluster's folder: everything `status` and `down` need, written as each process starts. */
export interface ClusterState {
  version: 1;
  folder: string;
  namespace: string;
  basePort: number;
  startedAt: string;
  ports: ClusterPorts;
  /** Frontend addresses, `127.0.0.1:<port>`, node 1 first. */
  frontends: string[];
  processes: ClusterProcess[];
  /** The Web UI's URL, or why it was not started. */
  ui: { url: string } | { skipped: string };
  /** Whether `up` got to the end (namespace and search attributes registered on every node). */
  ready: boolean;
}

export function readClusterState(stateFile: string): ClusterState | undefined {
  if (!existsSync(stateFile)) return undefined;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
  if (state.version !== 1 || !Array.isArray(state.processes)) {
    throw new Error(`${stateFile} is not a cluster state file this version of durable-agent understands.`);
  }
  return state;
}

/** Writes through a temporary file, so an interrupted `up` never leaves a half-written state file behind. */
export function writeClusterState(stateFile: string, state: ClusterState): void {
  const temporary = `${stateFile}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, stateFile);
}
