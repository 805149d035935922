import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A process the cluster started and tracks in its state file. */
export interface TrackedProcess {
  /** What it is, for status and messages: `postgres`, `node-1`, `ui`. */
  name: string;
  pid: number;
  /** The port it answers on (PostgreSQL's port, a node's frontend, the UI's HTTP port). */
  port: number;
  log: string;
}

export interface DetachedSpawnOptions {
  args: string[];
  log: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
}

/**
 * Starts a long-lived process in its own session with its output appended to a log file, and lets this
 * process exit without waiting for it: the pid goes into the state file and `cluster down` stops it.
 */
export function spawnDetached(command: string, options: DetachedSpawnOptions): Promise<number> {
  const logFd = openSync(options.log, 'a');
  try {
    const child = spawn(command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
    });
    return new Promise((resolveStart, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        resolveStart(child.pid ?? -1);
      });
    });
  } finally {
    closeSync(logFd);
  }
}

/**
 * Whether `pid` is alive and is still the process we started: its command line must mention `marker` (a path
 * inside the cluster's folder), so a pid the OS reused for something else is never signalled.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== 'Z' && commandLine.includes(marker);
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/**
 * Stops one tracked process: `signal` (SIGTERM, or SIGINT for PostgreSQL's fast shutdown), then SIGKILL after
 * `graceMs`, and waits until it is gone. Returns how it ended.
 */
export async function stopProcess(
  pid: number,
  marker: string,
  options: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<'not-running' | 'stopped' | 'killed'> {
  if (!isOurProcess(pid, marker)) return 'not-running';
  signalProcess(pid, options.signal ?? 'SIGTERM');
  const deadline = Date.now() + (options.graceMs ?? 15_000);
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, marker)) return 'stopped';
    await sleep(100);
  }
  signalProcess(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isOurProcess(pid, marker) && Date.now() < killDeadline) await sleep(100);
  return 'killed';
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Whether something already listens on `port` at 127.0.0.1. */
export function isPortInUse(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(false)));
  });
}

/** A base port whose whole range (PostgreSQL, UI, `nodes` nodes: ten ports each) is free on 127.0.0.1. */
export async function freeBasePort(nodes = 2): Promise<number> {
  const size = 10 * (nodes + 1);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    // Below 32768: Temporal's SQL schema keeps membership ports in a smallint.
    const base = 10_000 + 40 * Math.floor(Math.random() * 500);
    let free = true;
    for (let port = base; port < base + size && free; port += 1) free = !(await isPortInUse(port));
    if (free) return base;
  }
  throw new Error(`no free range of ${size} ports found on 127.0.0.1 between 10000 and 30000`);
}

/** The last lines of a log file, for error messages. */
export function logTail(path: string, lines = 12): string {
  try {
    // Server log lines are JSON with stack traces: the first 400 characters say what happened.
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line)).join('\n');
  } catch {
    return '';
  }
}
