import { spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath } from '../temporal-server/temporal-binary';
import { ClusterStartError } from './cluster-errors';
import type { ClusterPaths } from './cluster-layout';
import { isOurProcess, logTail, spawnDetached } from './cluster-processes';

/** The database user the cluster's schemas belong to; loopback connections are trusted, so it has no password. */
export const POSTGRES_USER = 'temporal';
export const TEMPORAL_DATABASES = [
  { database: 'temporal', schema: 'postgresql/v12/temporal' },
  { database: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The OS user PostgreSQL runs as when we are root (it refuses to run as root). */
export interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

/** `initdb` and `postgres`: `$DURABLE_AGENT_POSTGRES_BIN`, then PATH, then Debian's /usr/lib/postgresql/<newest>/bin. */
export function findPostgresBinaries(env: NodeJS.ProcessEnv): PostgresBinaries {
  const candidates: string[] = [];
  if (env.DURABLE_AGENT_POSTGRES_BIN) candidates.push(env.DURABLE_AGENT_POSTGRES_BIN);
  const onPath = findOnPath('initdb', env);
  if (onPath) candidates.push(join(onPath, '..'));
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join('/usr/lib/postgresql', version, 'bin')));
  } catch {
    // No Debian PostgreSQL packages.
  }
  for (const folder of candidates) {
    const binaries = { initdb: join(folder, 'initdb'), postgres: join(folder, 'postgres') };
    if (existsSync(binaries.initdb) && existsSync(binaries.postgres)) return binaries;
  }
  throw new ClusterStartError(
    'PostgreSQL (`initdb` and `postgres`) was not found on PATH, in /usr/lib/postgresql/<version>/bin or in ' +
      '$DURABLE_AGENT_POSTGRES_BIN. Install PostgreSQL >= 12 (e.g. `apt-get install postgresql`), or set ' +
      'DURABLE_AGENT_POSTGRES_BIN to the folder that holds its binaries.',
  );
}

/** As root, the `postgres` OS user (or `$DURABLE_AGENT_POSTGRES_USER`); otherwise nobody: we run it ourselves. */
export function postgresRunAs(env: NodeJS.ProcessEnv): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = env.DURABLE_AGENT_POSTGRES_USER || 'postgres';
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout?.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout?.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0 || String(uid) === '') {
    throw new ClusterStartError(
      `PostgreSQL refuses to run as root, and there is no OS user "${user}" to run it as. Create one ` +
        `(\`useradd --system --no-create-home ${user}\`), or set DURABLE_AGENT_POSTGRES_USER to an existing non-root user.`,
    );
  }
  return { uid, gid, user };
}

/** Creates a private database cluster in the cluster's folder, owned by the user PostgreSQL runs as. */
export function initPostgres(binaries: PostgresBinaries, paths: ClusterPaths, runAs: RunAs | undefined): void {
  mkdirSync(paths.postgresFolder, { recursive: true });
  if (runAs) chownSync(paths.postgresFolder, runAs.uid, runAs.gid);
  const logFd = openSync(paths.postgresLog, 'a');
  try {
    const result = spawnSync(
      binaries.initdb,
      ['-D', paths.postgresData, '-U', POSTGRES_USER, '--auth=trust', '--encoding=UTF8', '--no-sync'],
      { cwd: paths.postgresFolder, stdio: ['ignore', logFd, logFd], ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), timeout: 120_000 },
    );
    if (result.status !== 0) {
      const access = runAs ? ` Every folder above ${paths.folder} must be searchable by the user "${runAs.user}".` : '';
      throw new ClusterStartError(`\`initdb\` failed (exit code ${String(result.status)}); see ${paths.postgresLog}.${access}\n${logTail(paths.postgresLog)}`);
    }
  } finally {
    closeSync(logFd);
  }
}

/** Starts `postgres` on 127.0.0.1:`port` only (no Unix socket) and waits until it accepts connections. */
export async function startPostgres(
  binaries: PostgresBinaries,
  paths: ClusterPaths,
  port: number,
  runAs: RunAs | undefined,
  timeoutMs: number,
): Promise<number> {
  const pid = await spawnDetached(binaries.postgres, {
    args: [
      '-D', paths.postgresData,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      // Every service of every node keeps its own connection pools.
      '-c', 'max_connections=400',
    ],
    log: paths.postgresLog,
    cwd: paths.postgresFolder,
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, paths.postgresData)) {
      throw new ClusterStartError(`PostgreSQL exited at start; see ${paths.postgresLog}:\n${logTail(paths.postgresLog)}`);
    }
    if (postmasterStatus(paths.postgresData) === 'ready') return pid;
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 200));
  }
  throw new ClusterStartError(`PostgreSQL did not become ready within ${timeoutMs} ms; see ${paths.postgresLog}.`);
}

/** The state PostgreSQL writes on the last line of `postmaster.pid` (`starting`, `ready`, `stopping`). */
function postmasterStatus(dataFolder: string): string | undefined {
  try {
    return readFileSync(join(dataFolder, 'postmaster.pid'), 'utf8').split('\n')[7]?.trim();
  } catch {
    return undefined;
  }
}

/** Creates the two databases and applies the schemas carried by `temporal-sql-tool`, logging to the schema log. */
export async function applySchemas(sqlTool: string, port: number, paths: ClusterPaths): Promise<void> {
  for (const { database, schema } of TEMPORAL_DATABASES) {
    const common = ['--plugin', 'postgres12', '--endpoint', '127.0.0.1', '--port', String(port), '--user', POSTGRES_USER, '--database', database];
    await runSqlTool(sqlTool, [...common, 'create-database'], paths);
    await runSqlTool(sqlTool, [...common, 'setup-schema', '-v', '0.0'], paths);
    await runSqlTool(sqlTool, [...common, 'update-schema', '--schema-name', schema], paths);
  }
}

async function runSqlTool(sqlTool: string, args: string[], paths: ClusterPaths): Promise<void> {
  const logFd = openSync(paths.schemaLog, 'a');
  const child = spawn(sqlTool, args, { cwd: paths.folder, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const code = await new Promise<number | null>((resolveExit) => {
    child.once('error', () => resolveExit(null));
    child.once('close', (exitCode) => resolveExit(exitCode));
  });
  if (code !== 0) {
    throw new ClusterStartError(
      `\`temporal-sql-tool ${args.slice(-3).join(' ')}\` failed (exit code ${String(code)}); see ${paths.schemaLog}:\n${logTail(paths.schemaLog, 6)}`,
    );
  }
}
