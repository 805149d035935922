import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDirectory, findOnPath, isExecutable } from '../temporal-server/temporal-binary';
import { ClusterBuildError } from './cluster-errors';

/** The server inside Temporal CLI v1.5.1, so the cluster and the dev server speak the same version. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
/** The Web UI server release built alongside it. */
export const UI_SERVER_VERSION = 'v2.42.1';
const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';
const PROGRESS_INTERVAL_MS = 15_000;

export interface ServerBinaries {
  server: string;
  sqlTool: string;
}

/** One `go install` target: packages of one module, and the names their binaries get in the cache. */
export interface BuildRecipe {
  label: string;
  folder: string;
  /** `package@version` → binary name `go install` writes → name in the cache. */
  packages: Array<{ spec: string; built: string; target: string }>;
}

export function serverBinaryFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDirectory(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

export function uiBinaryFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDirectory(env), `temporal-ui-server-${UI_SERVER_VERSION}`);
}

/** `temporal-server` and `temporal-sql-tool`, built once per machine into the cache folder. */
export async function resolveServerBinaries(env: NodeJS.ProcessEnv, onProgress: (line: string) => void): Promise<ServerBinaries> {
  const folder = serverBinaryFolder(env);
  const binaries = { server: join(folder, 'temporal-server'), sqlTool: join(folder, 'temporal-sql-tool') };
  if (isExecutable(binaries.server) && isExecutable(binaries.sqlTool)) return binaries;
  await buildWithGo(env, onProgress, {
    label: `the Temporal server ${TEMPORAL_SERVER_VERSION}`,
    folder,
    packages: [
      { spec: `${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, built: 'server', target: 'temporal-server' },
      { spec: `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`, built: 'sql', target: 'temporal-sql-tool' },
    ],
  });
  return binaries;
}

/**
 * The Web UI server, built once per machine. A failed build is remembered (`build-failed.log` next to where
 * the binary would be), so later `up`s skip the UI at once instead of failing the same way for minutes.
 */
export async function resolveUiBinary(
  env: NodeJS.ProcessEnv,
  onProgress: (line: string) => void,
): Promise<{ binary: string } | { skipped: string }> {
  const folder = uiBinaryFolder(env);
  const binary = join(folder, 'ui-server');
  if (isExecutable(binary)) return { binary };
  const failedLog = `${folder}.build-failed.log`;
  if (existsSync(failedLog)) {
    return { skipped: `the Web UI server did not build on this machine before (log: ${failedLog}; delete it to try again)` };
  }
  try {
    await buildWithGo(env, onProgress, {
      label: `the Temporal Web UI server ${UI_SERVER_VERSION}`,
      folder,
      packages: [{ spec: `${UI_MODULE}/cmd/server@${UI_SERVER_VERSION}`, built: 'server', target: 'ui-server' }],
    }, failedLog);
    return { binary };
  } catch (error) {
    return { skipped: (error as Error).message };
  }
}

/**
 * Runs `go install` into a private folder with its output in a log file, then renames the binaries into place,
 * so two builders never clash and a half-built binary is never found.
 */
export async function buildWithGo(env: NodeJS.ProcessEnv, onProgress: (line: string) => void, recipe: BuildRecipe, keepLogAt?: string): Promise<void> {
  const go = findOnPath('go', env);
  if (!go) {
    throw new ClusterBuildError(
      `Go is not installed, and ${recipe.label} is not in ${recipe.folder} yet. Install Go >= 1.25 with access to the ` +
        `Go module proxy (durable-agent then builds it once), or copy the binaries (${recipe.packages.map((item) => item.target).join(', ')}) there.`,
    );
  }
  const workFolder = `${recipe.folder}.build-${process.pid}`;
  mkdirSync(workFolder, { recursive: true });
  const logPath = join(workFolder, 'go-install.log');
  onProgress(`Building ${recipe.label} with \`go install\` into ${recipe.folder} (first time on this machine only; a few minutes)…`);
  const started = Date.now();
  const logFd = openSync(logPath, 'w');
  const child = spawn(go, ['install', '-v', ...recipe.packages.map((item) => item.spec)], {
    env: { ...env, GOBIN: workFolder },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const ticker = setInterval(() => onProgress(`  still building ${recipe.label}: ${Math.round((Date.now() - started) / 1000)}s`), PROGRESS_INTERVAL_MS);
  const exitCode = await new Promise<number | null>((resolveExit) => {
    child.once('error', () => resolveExit(null));
    child.once('close', (code) => resolveExit(code));
  });
  clearInterval(ticker);
  const missing = recipe.packages.filter((item) => !existsSync(join(workFolder, item.built)));
  if (exitCode !== 0 || missing.length > 0) {
    const failedLog = keepLogAt ?? `${recipe.folder}.go-install-${process.pid}.log`;
    renameSync(logPath, failedLog);
    rmSync(workFolder, { recursive: true, force: true });
    const tail = spawnSync('tail', ['-n', '8', failedLog], { encoding: 'utf8' }).stdout ?? '';
    throw new ClusterBuildError(
      `\`go install\` of ${recipe.label} failed (exit code ${String(exitCode)}); its full output is in ${failedLog}.\n` +
        `Last lines:\n${tail.trimEnd()}\nCheck that the Go module proxy is reachable (GOPROXY), then run the command again.`,
    );
  }
  mkdirSync(recipe.folder, { recursive: true });
  for (const item of recipe.packages) renameSync(join(workFolder, item.built), join(recipe.folder, item.target));
  rmSync(workFolder, { recursive: true, force: true });
  onProgress(`Built ${recipe.label} in ${Math.round((Date.now() - started) / 1000)}s.`);
}
