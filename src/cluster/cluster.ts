import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveServerBinaries, resolveUiBinary } from './cluster-binaries';
import { ClusterConfigurationError, ClusterStartError } from './cluster-errors';
import { allPorts, clusterPaths, clusterPorts, DEFAULT_CLUSTER_OPTIONS, MAX_CLUSTER_NODES, type ClusterOptions, type ClusterPaths } from './cluster-layout';
import { probeFrontend, registerNamespace, waitForFrontend, waitForNamespace } from './cluster-namespace';
import { isOurProcess, isPortInUse, logTail, spawnDetached, stopProcess } from './cluster-processes';
import { readClusterState, writeClusterState, type ClusterProcess, type ClusterState } from './cluster-state';
import { applySchemas, findPostgresBinaries, initPostgres, postgresRunAs, startPostgres } from './postgres';
import { renderDynamicConfig, renderServerConfig, renderUiConfig } from './server-config';

export type { ClusterOptions } from './cluster-layout';

const MAX_MEMBERSHIP_PORT = 32_767;
export type { ClusterState } from './cluster-state';

/** Checks the options before any side effect, with messages that name the option. */
function validate(options: ClusterOptions) {
  const settings = { ...DEFAULT_CLUSTER_OPTIONS, ...options };
  if (!Number.isInteger(settings.nodes) || settings.nodes < 1 || settings.nodes > MAX_CLUSTER_NODES) {
    throw new ClusterConfigurationError(`Expected \`nodes\` to be an integer from 1 to ${MAX_CLUSTER_NODES}, got \`${settings.nodes}\`.`);
  }
  const lastPort = settings.basePort + 10 * (settings.nodes + 1) - 1;
  // The SQL schema stores membership ports in a smallint column: a node on a port above 32767 dies at start.
  if (!Number.isInteger(settings.basePort) || settings.basePort < 1024 || lastPort > MAX_MEMBERSHIP_PORT) {
    throw new ClusterConfigurationError(
      `Expected \`basePort\` to be an integer from 1024 to ${MAX_MEMBERSHIP_PORT - 10 * (settings.nodes + 1) + 1} for ${settings.nodes} node(s) ` +
        `(the whole range, base to base + ${10 * (settings.nodes + 1) - 1}, must stay at or below ${MAX_MEMBERSHIP_PORT}: ` +
        `Temporal's SQL schema keeps membership ports in a smallint), got \`${settings.basePort}\`.`,
    );
  }
  return settings;
}

/** The result of `up`: the state, and whether the cluster was already running. */
export interface ClusterUpResult {
  state: ClusterState;
  alreadyUp: boolean;
}

/**
 * Stands up the cluster: PostgreSQL with the schemas, N server nodes, the namespace with the agent's search
 * attributes, and the Web UI. Each process is recorded in the state file as soon as it starts; if a step
 * fails, everything started so far is stopped (the folder stays, with the logs the error names).
 */
export async function clusterUp(options: ClusterOptions = {}): Promise<ClusterUpResult> {
  const settings = validate(options);
  const env = options.env ?? process.env;
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const paths = clusterPaths(settings.folder);
  const previous = readClusterState(paths.stateFile);
  if (previous && previous.processes.some((tracked) => isOurProcess(tracked.pid, tracked.marker))) {
    return { state: previous, alreadyUp: true };
  }
  if (!previous && existsSync(paths.folder) && readdirSync(paths.folder).length > 0) {
    throw new ClusterConfigurationError(`${paths.folder} exists and holds no cluster state file: choose another --folder, or remove it.`);
  }
  const ports = clusterPorts(settings.basePort, settings.nodes);
  const taken = [];
  for (const port of allPorts(ports, settings.ui)) if (await isPortInUse(port)) taken.push(port);
  if (taken.length > 0) {
    throw new ClusterConfigurationError(
      `port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} on 127.0.0.1 ${taken.length > 1 ? 'are' : 'is'} in use; the cluster needs ` +
        `${settings.basePort}–${settings.basePort + 10 * (settings.nodes + 1) - 1}. Choose another --base-port, or stop what listens there.`,
    );
  }

  const postgresBinaries = findPostgresBinaries(env);
  const runAs = postgresRunAs(env);
  const binaries = await resolveServerBinaries(env, onProgress);
  const ui = settings.ui ? await resolveUiBinary(env, onProgress) : { skipped: 'not asked for (--no-ui)' };

  mkdirSync(paths.folder, { recursive: true });
  // PostgreSQL runs as another user, who must be able to reach its data folder inside this one.
  if (runAs) chmodSync(paths.folder, 0o755);
  const state: ClusterState = {
    version: 1,
    folder: paths.folder,
    namespace: settings.namespace,
    basePort: settings.basePort,
    startedAt: new Date().toISOString(),
    ports,
    frontends: ports.nodes.map((node) => `127.0.0.1:${node.frontend}`),
    processes: [],
    ui: 'skipped' in ui ? { skipped: ui.skipped } : { url: `http://127.0.0.1:${ports.ui}` },
    ready: false,
  };
  const track = (tracked: ClusterProcess) => {
    state.processes.push(tracked);
    writeClusterState(paths.stateFile, state);
  };
  writeClusterState(paths.stateFile, state);
  const deadline = () => Date.now() + settings.readyTimeoutMs;

  try {
    const freshDatabase = !existsSync(join(paths.postgresData, 'PG_VERSION'));
    const schemaMarker = join(paths.postgresFolder, 'schema-applied');
    if (!freshDatabase && !existsSync(schemaMarker)) {
      throw new ClusterConfigurationError(
        `${paths.folder} holds a database whose schemas were never fully applied (an earlier \`up\` failed): ` +
          'remove it with `durable-agent cluster down`, then run `up` again.',
      );
    }
    if (freshDatabase) {
      onProgress('Creating a private PostgreSQL database cluster…');
      initPostgres(postgresBinaries, paths, runAs);
    }
    const postgresPid = await startPostgres(postgresBinaries, paths, ports.postgres, runAs, settings.readyTimeoutMs);
    track({ name: 'postgres', pid: postgresPid, port: ports.postgres, log: paths.postgresLog, marker: paths.postgresData, stopSignal: 'SIGINT' });
    if (freshDatabase) {
      onProgress('Applying the Temporal schemas (persistence and visibility)…');
      await applySchemas(binaries.sqlTool, ports.postgres, paths);
      writeFileSync(schemaMarker, `${new Date().toISOString()}\n`);
    }

    writeFileSync(paths.dynamicConfig, renderDynamicConfig());
    const startNode = async (index: number) => {
      const node = ports.nodes[index]!;
      const root = paths.nodeRoot(index);
      mkdirSync(join(root, 'config'), { recursive: true });
      writeFileSync(
        join(root, 'config', 'cluster.yaml'),
        renderServerConfig({ node, firstFrontendPort: ports.nodes[0]!.frontend, postgresPort: ports.postgres, dynamicConfigPath: paths.dynamicConfig }),
      );
      const tracked = await spawnNode(binaries.server, paths, index, node.frontend);
      track(tracked);
      await waitForNode(tracked, deadline());
    };
    // Node 1 first, alone: it initialises the cluster metadata; the others then join its ring.
    onProgress(`Starting ${settings.nodes} Temporal server node${settings.nodes > 1 ? 's' : ''}…`);
    await startNode(0);
    await Promise.all(ports.nodes.slice(1).map((_, offset) => startNode(offset + 1)));

    onProgress(`Registering namespace "${settings.namespace}" and the agent's search attributes…`);
    await registerNamespace(state.frontends[0]!, settings.namespace, deadline());
    await Promise.all(state.frontends.map((address) => waitForNamespace(address, settings.namespace, deadline())));

    if ('binary' in ui) {
      mkdirSync(join(paths.uiRoot, 'config'), { recursive: true });
      writeFileSync(join(paths.uiRoot, 'config', 'cluster.yaml'), renderUiConfig({ port: ports.ui, frontendPort: ports.nodes[0]!.frontend, namespace: settings.namespace }));
      const pid = await spawnDetached(ui.binary, { args: ['--root', paths.uiRoot, '--config', 'config', '--env', 'cluster', 'start'], log: paths.uiLog, cwd: paths.uiRoot });
      const tracked = { name: 'ui', pid, port: ports.ui, log: paths.uiLog, marker: paths.uiRoot, stopSignal: 'SIGTERM' as const };
      track(tracked);
      await waitForHttp(tracked, deadline());
    }
    state.ready = true;
    writeClusterState(paths.stateFile, state);
    return { state, alreadyUp: false };
  } catch (error) {
    await stopAll(state.processes);
    state.processes = [];
    writeClusterState(paths.stateFile, state);
    if (error instanceof ClusterStartError || error instanceof ClusterConfigurationError) throw error;
    throw new ClusterStartError(
      `${(error as Error).message}\nEverything started was stopped; the logs are in ${paths.folder} ` +
        '(`durable-agent cluster down` removes the folder).',
    );
  }
}

/** Starts server node `index` (0-based) from its config folder. */
async function spawnNode(server: string, paths: ClusterPaths, index: number, frontendPort: number): Promise<ClusterProcess> {
  const root = paths.nodeRoot(index);
  const pid = await spawnDetached(server, { args: ['--root', root, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], log: paths.nodeLog(index), cwd: root });
  return { name: `node-${index + 1}`, pid, port: frontendPort, log: paths.nodeLog(index), marker: root, stopSignal: 'SIGTERM' };
}

/**
 * Crashes one process of a running cluster (`node-N`: SIGKILL; `postgres`: SIGQUIT, PostgreSQL's immediate shutdown,
 * which recovers from its WAL at the next start, as after a crash), waits `downMs`, starts it again on the same
 * ports and data, and waits until it answers. The state file gets the new pid. For fault campaigns (chaos/).
 */
export async function restartClusterProcess(options: { folder: string; name: string; downMs?: number; env?: NodeJS.ProcessEnv; onProgress?: (line: string) => void }): Promise<ClusterProcess> {
  const env = options.env ?? process.env;
  const paths = clusterPaths(options.folder);
  const state = readClusterState(paths.stateFile);
  const tracked = state?.processes.find((candidate) => candidate.name === options.name);
  if (!state || !tracked) throw new ClusterConfigurationError(`no process named ${options.name} in the cluster at ${paths.folder}: run \`durable-agent cluster status\` to see its processes`);
  const database = tracked.name === 'postgres';
  await stopProcess(tracked.pid, tracked.marker, { signal: database ? 'SIGQUIT' : 'SIGKILL', graceMs: 15_000 });
  await new Promise((resolveSleep) => setTimeout(resolveSleep, options.downMs ?? 0));
  const readyBy = Date.now() + DEFAULT_CLUSTER_OPTIONS.readyTimeoutMs;
  let restarted: ClusterProcess;
  if (database) {
    const pid = await startPostgres(findPostgresBinaries(env), paths, tracked.port, postgresRunAs(env), DEFAULT_CLUSTER_OPTIONS.readyTimeoutMs);
    restarted = { ...tracked, pid };
  } else {
    const index = state.ports.nodes.findIndex((node) => node.frontend === tracked.port);
    const binaries = await resolveServerBinaries(env, options.onProgress ?? (() => undefined));
    restarted = await spawnNode(binaries.server, paths, index, tracked.port);
  }
  // The state file names the new pid at once, so `cluster down` stops it even if waiting for it fails.
  const latest = readClusterState(paths.stateFile) ?? state;
  writeClusterState(paths.stateFile, { ...latest, processes: latest.processes.map((candidate) => (candidate.name === tracked.name ? restarted : candidate)) });
  if (!database) await waitForNode(restarted, readyBy);
  return restarted;
}

async function waitForNode(tracked: ClusterProcess, deadline: number): Promise<void> {
  try {
    await waitForFrontend(`127.0.0.1:${tracked.port}`, deadline, () => isOurProcess(tracked.pid, tracked.marker));
  } catch (error) {
    throw new ClusterStartError(
      `Temporal server ${tracked.name} did not answer on 127.0.0.1:${tracked.port}: ${(error as Error).message}. ` +
        `Its log is ${tracked.log}:\n${logTail(tracked.log)}`,
    );
  }
}

async function waitForHttp(tracked: ClusterProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (!isOurProcess(tracked.pid, tracked.marker)) break;
    try {
      const response = await fetch(`http://127.0.0.1:${tracked.port}/`, { signal: AbortSignal.timeout(2_000) });
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 300));
  }
  throw new ClusterStartError(`The Web UI server did not answer on 127.0.0.1:${tracked.port}; its log is ${tracked.log}:\n${logTail(tracked.log)}`);
}

/** Stops the UI, then the nodes, then PostgreSQL last (the nodes write to it while they hand shards over). */
async function stopAll(processes: readonly ClusterProcess[]): Promise<Array<{ name: string; pid: number; outcome: string }>> {
  const servers = processes.filter((tracked) => tracked.name !== 'postgres');
  const databases = processes.filter((tracked) => tracked.name === 'postgres');
  const stop = (tracked: ClusterProcess) =>
    stopProcess(tracked.pid, tracked.marker, { signal: tracked.stopSignal, graceMs: 15_000 }).then((outcome) => ({ name: tracked.name, pid: tracked.pid, outcome }));
  const stopped = await Promise.all(servers.map(stop));
  for (const database of databases) stopped.push(await stop(database));
  return stopped;
}

export interface ClusterDownResult {
  folder: string;
  stopped: Array<{ name: string; pid: number; outcome: string }>;
  removed: boolean;
}

/** Stops every tracked process by pid and removes the folder, unless `keepData`. */
export async function clusterDown(options: { folder?: string; keepData?: boolean } = {}): Promise<ClusterDownResult> {
  const paths = clusterPaths(options.folder ?? DEFAULT_CLUSTER_OPTIONS.folder);
  const state = readClusterState(paths.stateFile);
  if (!state && existsSync(paths.folder) && readdirSync(paths.folder).length > 0) {
    throw new ClusterConfigurationError(`${paths.folder} holds no cluster state file (cluster.json): not removing a folder this command did not create.`);
  }
  const stopped = state ? await stopAll(state.processes) : [];
  if (state && options.keepData) writeClusterState(paths.stateFile, { ...state, processes: [], ready: false });
  const removed = !options.keepData && existsSync(paths.folder);
  if (removed) rmSync(paths.folder, { recursive: true, force: true });
  return { folder: paths.folder, stopped, removed };
}

export interface ClusterStatus {
  folder: string;
  state: ClusterState | undefined;
  processes: Array<{ name: string; pid: number; port: number; alive: boolean; log: string }>;
  frontends: Array<{ address: string; ok: boolean; detail: string }>;
}

/** Each tracked process (alive and still ours?) and each frontend's answer. */
export async function clusterStatus(options: { folder?: string } = {}): Promise<ClusterStatus> {
  const paths: ClusterPaths = clusterPaths(options.folder ?? DEFAULT_CLUSTER_OPTIONS.folder);
  const state = readClusterState(paths.stateFile);
  if (!state) return { folder: paths.folder, state, processes: [], frontends: [] };
  const processes = state.processes.map((tracked) => ({
    name: tracked.name,
    pid: tracked.pid,
    port: tracked.port,
    alive: isOurProcess(tracked.pid, tracked.marker),
    log: tracked.log,
  }));
  const frontends = await Promise.all(
    state.frontends.map(async (address) => {
      const probe = await probeFrontend(address);
      return { address, ok: probe.ok, detail: probe.ok ? `server ${probe.serverVersion}` : probe.error };
    }),
  );
  return { folder: paths.folder, state, processes, frontends };
}
