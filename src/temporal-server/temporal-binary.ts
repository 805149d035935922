import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The Temporal CLI release built with `go install` (the newest whose go.mod has no `replace` line). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const MINIMUM_GO_MINOR = 25;
const PROGRESS_INTERVAL_MS = 15_000;

export interface ResolveBinaryOptions {
  /** Environment to read `TEMPORAL_CLI_PATH`, `PATH` and the cache location from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Receives human-readable progress lines (the Go build takes minutes the first time). @default writes to stderr */
  onProgress?: (line: string) => void;
  /** Build with Go when no binary is found. @default true */
  allowBuild?: boolean;
}

/** Raised when no Temporal CLI binary can be found or built; the message names every way to provide one. */
export class TemporalBinaryUnavailableError extends Error {
  override name = 'TemporalBinaryUnavailableError';
}

/** Folder outside the clone where the built binary is kept, so every clone on the machine reuses it. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DURABLE_AGENT_CACHE_DIR) return env.DURABLE_AGENT_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'durable-agent');
}

/** Where `go install` puts the binary: one folder per CLI version. */
export function cachedBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDirectory(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/** True when `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `command` on `env.PATH`. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (!folder) continue;
    const candidate = join(folder, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds the Temporal CLI, in the order of docs/configuration.md, "Where the Temporal server comes from": `$TEMPORAL_CLI_PATH`, `PATH`, the cache folder,
 * then builds it with `go install` into the cache folder (once per machine).
 */
export async function resolveTemporalBinary(options: ResolveBinaryOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));

  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new TemporalBinaryUnavailableError(
      `TEMPORAL_CLI_PATH is set to "${explicit}", but no executable file is there. ` +
        'Point it at a Temporal CLI binary, or unset it to let durable-agent find or build one.',
    );
  }
  const onPath = findOnPath('temporal', env);
  if (onPath) return onPath;
  const cached = cachedBinaryPath(env);
  if (isExecutable(cached)) return cached;

  if (options.allowBuild === false) throw unavailable(env, 'building was not allowed');
  const go = findOnPath('go', env);
  if (!go) throw unavailable(env, 'Go is not installed');
  const goProblem = checkGoVersion(go, env);
  if (goProblem) throw unavailable(env, goProblem);
  await withBuildLock(cached, onProgress, () => buildWithGo(go, cached, env, onProgress));
  return cached;
}

/** How often a command waiting for another one's build looks again. */
const LOCK_POLL_MS = 1_000;
/** A lock with no pid in it after this long was left by a process that died as it took it. */
const STALE_UNNAMED_LOCK_MS = 10_000;

/** True while process `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One build at a time per machine: a lock folder beside the binary's, holding the builder's pid. A command that finds
 * it held by a live process waits for that build (and uses its binary); a lock whose process is gone is taken over.
 * `label` names what is being built in the waiting line (other binaries of the cache folder use the same lock helper).
 */
export async function withBuildLock(
  target: string,
  onProgress: (line: string) => void,
  build: () => Promise<void>,
  label = 'the Temporal CLI',
): Promise<void> {
  const lock = `${join(target, '..')}.lock`;
  mkdirSync(join(lock, '..'), { recursive: true });
  let told = false;
  for (;;) {
    if (isExecutable(target)) return;
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
    // A holder that died, or one that never wrote its pid within seconds, left a stale lock.
    const unnamedFor = holder > 0 ? 0 : Date.now() - statSync(lock).mtimeMs;
    if ((holder > 0 && !alive(holder)) || unnamedFor > STALE_UNNAMED_LOCK_MS) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!told) onProgress(`Another durable-agent command${holder > 0 ? ` (pid ${holder})` : ''} is building ${label}; waiting for it…`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    await build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function checkGoVersion(go: string, env: NodeJS.ProcessEnv): string | undefined {
  const result = spawnSync(go, ['env', 'GOVERSION'], { env, encoding: 'utf8' });
  const version = result.stdout?.trim() ?? '';
  const match = /^go1\.(\d+)/.exec(version);
  if (!match?.[1]) return `could not read the Go version (\`go env GOVERSION\` printed "${version}")`;
  if (Number(match[1]) < MINIMUM_GO_MINOR) return `Go ${version} is too old: the Temporal CLI needs Go >= 1.${MINIMUM_GO_MINOR}`;
  return undefined;
}

function unavailable(env: NodeJS.ProcessEnv, reason: string): TemporalBinaryUnavailableError {
  return new TemporalBinaryUnavailableError(
    `No Temporal server binary is available (${reason}). Provide one in any of these ways:\n` +
      '  - set TEMPORAL_ADDRESS to use a Temporal server that is already running;\n' +
      '  - set TEMPORAL_CLI_PATH to a Temporal CLI binary, or put `temporal` on PATH;\n' +
      `  - install Go >= 1.${MINIMUM_GO_MINOR} with access to the Go module proxy, and durable-agent builds ` +
      `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} once into ${cachedBinaryPath(env)}.`,
  );
}

/** Runs `go install` into a private folder and renames the result into place, so two builders never clash. */
async function buildWithGo(go: string, target: string, env: NodeJS.ProcessEnv, onProgress: (line: string) => void): Promise<void> {
  const finalFolder = join(target, '..');
  const workFolder = `${finalFolder}.build-${process.pid}`;
  mkdirSync(workFolder, { recursive: true });
  onProgress(
    `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with \`go install\` into ${finalFolder} ` +
      '(first run on this machine only; it takes a few minutes)…',
  );
  const started = Date.now();
  let packagesBuilt = 0;
  let lastLines: string[] = [];
  const child = spawn(go, ['install', '-v', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    env: { ...env, GOBIN: workFolder },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A command stopped while it builds stops its build (and lets the next command take the lock).
  const stopBuild = (signal: NodeJS.Signals) => {
    child.kill('SIGKILL');
    rmSync(workFolder, { recursive: true, force: true });
    rmSync(`${finalFolder}.lock`, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const onExit = () => child.kill('SIGKILL');
  process.once('SIGINT', stopBuild);
  process.once('SIGTERM', stopBuild);
  process.once('exit', onExit);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      lastLines = [...lastLines.slice(-30), line];
      if (line.startsWith('go: downloading')) continue;
      packagesBuilt += 1;
    }
  });
  const ticker = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    onProgress(`  still building the Temporal CLI: ${seconds}s, ${packagesBuilt} packages compiled so far`);
  }, PROGRESS_INTERVAL_MS);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
  clearInterval(ticker);
  process.off('SIGINT', stopBuild);
  process.off('SIGTERM', stopBuild);
  process.off('exit', onExit);
  const built = join(workFolder, 'temporal');
  if (exitCode !== 0 || !existsSync(built)) {
    rmSync(workFolder, { recursive: true, force: true });
    const refused = lastLines.find((line) => /reading .*: 4\d\d|refused|not found|410 Gone/i.test(line));
    throw new TemporalBinaryUnavailableError(
      `\`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}\` failed (exit code ${String(exitCode)})` +
        (refused ? `; the module proxy refused: ${refused}` : '') +
        `.\nLast lines of its output:\n${lastLines.slice(-10).join('\n')}\n` +
        'Set TEMPORAL_CLI_PATH to a Temporal CLI binary or TEMPORAL_ADDRESS to a running server instead.',
    );
  }
  mkdirSync(finalFolder, { recursive: true });
  renameSync(built, target);
  rmSync(workFolder, { recursive: true, force: true });
  onProgress(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
}
