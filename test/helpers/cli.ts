import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';

export const CLI_PATH = join(__dirname, '..', '..', 'bin', 'durable-agent');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `bin/durable-agent` with Node directly (so PATH may be emptied) and collects its output. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  options: { cwd?: string } = {},
): ChildProcessWithoutNullStreams & { output: () => CliResult; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: 'pipe', ...(options.cwd ? { cwd: options.cwd } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const output = (): CliResult => ({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
  const done = new Promise<CliResult>((resolve) => child.once('close', () => resolve(output())));
  return Object.assign(child, { output, done });
}

/** Runs the CLI to completion; kills it (and fails) if it has not ended within `timeoutMs`. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): Promise<CliResult> {
  const child = startCli(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = await child.done;
  clearTimeout(timer);
  if (result.signal === 'SIGKILL') throw new Error(`durable-agent ${args.join(' ')} did not end within ${timeoutMs} ms:\n${result.stderr}`);
  return result;
}

/** Resolves once `pattern` appears on the child's stdout (or `stream`); rejects if the child ends first or time runs out. */
export async function waitForOutput(
  child: ReturnType<typeof startCli>,
  pattern: RegExp,
  timeoutMs = 120_000,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(child.output()[stream]);
    if (match) return match;
    if (child.exitCode !== null || child.signalCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { stdout, stderr } = child.output();
  throw new Error(`Expected output matching ${String(pattern)}; got stdout:\n${stdout}\nstderr:\n${stderr}`);
}

/** True while a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie still answers signal 0; its /proc status says so.
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

/** A local TCP server that accepts connections and never answers: what a blackholed address looks like to a client. */
export interface SilentTcpServer {
  address: string;
  close(): Promise<void>;
}

export async function startSilentTcpServer(): Promise<SilentTcpServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Text that only an uncaught error or an unexpected-error report prints: a stack frame or Node's crash banner. */
export const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$|^Node\.js v\d+|Unexpected error/m;

/** The environment of a CLI that reaches the test server on `taskQueue`. */
export function cliEnvironment(taskQueue: string): NodeJS.ProcessEnv {
  const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...rest } = process.env;
  return { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue, NO_COLOR: '1' };
}
