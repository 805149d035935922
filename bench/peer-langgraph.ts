import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { compileScript } from '../src/scripted-model/script';
import { startScriptedModel } from '../src/scripted-model/server';
import { stepsScript } from './scenarios';

/** The LangGraph.js peer's own npm project (bench/peers/langgraph): LangGraph, its SQLite checkpointer, LangChain's OpenAI client. */
export const LANGGRAPH_FOLDER = join(__dirname, 'peers', 'langgraph');

/** How long runner.js may take to load LangGraph and open its SQLite file. */
const START_TIMEOUT_MS = 60_000;
/** How long `npm ci` may take (better-sqlite3 may compile from source on 2 cores). */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
/** Node headers for node-gyp when better-sqlite3's prebuilt binary cannot be downloaded. */
const NODE_HEADERS = '/usr/include/node';

const INSTALLED_MARKERS = [
  ['@langchain', 'langgraph', 'package.json'],
  ['@langchain', 'langgraph-checkpoint-sqlite', 'package.json'],
  ['better-sqlite3', 'build', 'Release', 'better_sqlite3.node'],
];

function installedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(LANGGRAPH_FOLDER, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * `npm ci` in the peer's folder when its node_modules (or better-sqlite3's native module) is missing; the lock file
 * pins every version. With `npm_config_nodedir=/usr` when Node's headers are installed there, so better-sqlite3 can
 * build from source when its prebuilt binary cannot be downloaded from GitHub.
 */
export function ensureLangGraphInstalled(log: (line: string) => void): void {
  if (INSTALLED_MARKERS.every((parts) => existsSync(join(LANGGRAPH_FOLDER, 'node_modules', ...parts)))) return;
  const folder = relative(process.cwd(), LANGGRAPH_FOLDER) || '.';
  const nodedir = existsSync(NODE_HEADERS) ? { npm_config_nodedir: '/usr' } : {};
  log(`    installing the LangGraph peer: npm ci --prefix ${folder}${nodedir.npm_config_nodedir ? ' (npm_config_nodedir=/usr)' : ''} (once; its node_modules is git-ignored)…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', LANGGRAPH_FOLDER, '--no-audit', '--no-fund', '--loglevel=error'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...nodedir },
    timeout: INSTALL_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const why = result.error ? String(result.error) : `exit ${String(result.status ?? result.signal)}`;
    throw new Error(`npm ci --prefix ${folder} failed (${why}): ${(result.stderr || result.stdout || '').trim().slice(-2_000) || 'no output'}`);
  }
  const missing = INSTALLED_MARKERS.map((parts) => join(...parts)).filter((path) => !existsSync(join(LANGGRAPH_FOLDER, 'node_modules', path)));
  if (missing.length > 0) throw new Error(`npm ci --prefix ${folder} succeeded but left out ${missing.join(', ')}`);
}

export interface LangGraphPeer {
  /** For the report: "LangGraph 1.7.3 + SqliteSaver (file)". */
  label: string;
  versions: Record<string, string>;
  /**
   * One agent run of `steps` steps of `calls` parallel calls of `callMs`, then the answer; returns each step's
   * duration in ms (step k = the k-th model request → the (k+1)-th, timed in the peer as each request is sent), `steps` values.
   */
  overheadSteps(steps: number, calls: number, callMs: number): Promise<number[]>;
  /** Of the last `overheadSteps` run, per step: first tool call's start → last one's end (≈ callMs when they ran in parallel). */
  readonly lastToolWindowsMs: readonly number[];
  /** `runs` concurrent agent runs of that shape started at once in the peer's process; the wall time in ms from first start to last end, measured there. */
  throughput(runs: number, steps: number, calls: number, callMs: number): Promise<number>;
  close(): Promise<void>;
}

/** A reply of runner.js: `{id, ok, ...}`. */
interface Reply {
  id?: number;
  ok?: boolean;
  error?: string;
  modelCallsMs?: number[];
  toolWindowsMs?: number[];
  wallMs?: number;
}

/**
 * Starts runner.js in its own process (`node runner.js`, cwd = the peer folder) with a SQLite file in a fresh temp
 * folder; each overhead or throughput call starts its own scripted model (in this process) for its shape.
 */
export async function startLangGraphPeer(log: (line: string) => void): Promise<LangGraphPeer> {
  ensureLangGraphInstalled(log);
  const versions = Object.fromEntries(
    ['@langchain/langgraph', '@langchain/langgraph-checkpoint-sqlite', '@langchain/core', '@langchain/openai', 'openai', 'better-sqlite3'].map((name) => [name, installedVersion(name)]),
  );
  const dataFolder = mkdtempSync(join(tmpdir(), 'bench-langgraph-'));
  const child = spawn(process.execPath, [join(LANGGRAPH_FOLDER, 'runner.js')], {
    cwd: LANGGRAPH_FOLDER,
    env: { ...process.env, LANGGRAPH_SQLITE_FILE: join(dataFolder, 'checkpoints.sqlite'), NODE_NO_WARNINGS: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  // A runner that died mid-write: its exit rejects what is pending, so the broken pipe itself says nothing.
  child.stdin.on('error', () => undefined);
  const stderrTail = () => stderr.trim() || 'no output on stderr';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let closing = false;
  let markReady: (ready: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));

  createInterface({ input: child.stdout }).on('line', (line) => {
    let reply: Reply & { ready?: boolean };
    try {
      reply = JSON.parse(line) as Reply & { ready?: boolean };
    } catch {
      log(`    langgraph peer: ${line}`);
      return;
    }
    if (reply.ready === true) return markReady(true);
    const waiter = reply.id === undefined ? undefined : pending.get(reply.id);
    if (!waiter) return log(`    langgraph peer: ${line}`);
    pending.delete(reply.id as number);
    if (reply.ok) waiter.resolve(reply);
    else waiter.reject(new Error(`the LangGraph peer failed: ${reply.error ?? 'no error given'}`));
  });
  void exited.then((code) => {
    markReady(false);
    const error = new Error(`the LangGraph peer exited (exit ${String(code)}): ${stderrTail()}`);
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    if (!closing) log(`    ${error.message}`);
  });

  const close = async () => {
    if (!closing) {
      closing = true;
      child.stdin.end();
      // runner.js exits when its stdin ends; a stuck one is stopped.
      const timer = setTimeout(() => child.kill('SIGTERM'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataFolder, { recursive: true, force: true });
  };

  try {
    let timer: NodeJS.Timeout | undefined;
    const started = await Promise.race([ready, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), START_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (!started) {
      const state = child.exitCode !== null || child.signalCode !== null ? `exit ${String(child.exitCode ?? child.signalCode)}` : `no ready line within ${START_TIMEOUT_MS / 1000} s`;
      throw new Error(`the LangGraph peer did not start (${state}): ${stderrTail()}`);
    }
  } catch (error) {
    await close();
    throw error;
  }

  const request = (command: Record<string, unknown>): Promise<Reply> => {
    if (closing || child.exitCode !== null) return Promise.reject(new Error(`the LangGraph peer is not running: ${stderrTail()}`));
    const id = nextId++;
    return new Promise<Reply>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  };

  /** Runs one command against a scripted model of its own, serving `steps` turns of `calls` work calls, then `done`. */
  const withModel = async (kind: string, steps: number, calls: number, callMs: number, command: Record<string, unknown>): Promise<Reply> => {
    const model = `lg-${kind}-${steps}-${calls}-${callMs}`;
    const script = compileScript(stepsScript(steps, calls, callMs), `the LangGraph peer script ${model}`);
    const server = await startScriptedModel(compileScript({ turns: [{ content: 'unknown model name' }] }), { scriptsByModel: new Map([[model, script]]) });
    try {
      return await request({ ...command, baseURL: server.baseURL, model, steps, calls, callMs });
    } finally {
      await server.close();
    }
  };

  let lastToolWindowsMs: readonly number[] = [];
  return {
    label: `LangGraph ${versions['@langchain/langgraph']} + SqliteSaver (file)`,
    versions,
    get lastToolWindowsMs() {
      return lastToolWindowsMs;
    },
    async overheadSteps(steps, calls, callMs) {
      const reply = await withModel('overhead', steps, calls, callMs, { cmd: 'overhead' });
      const sent = reply.modelCallsMs ?? [];
      if (sent.length !== steps + 1) throw new Error(`the LangGraph peer made ${sent.length} model requests for ${steps} steps, expected ${steps + 1}`);
      lastToolWindowsMs = reply.toolWindowsMs ?? [];
      return sent.slice(1).map((at, step) => at - (sent[step] ?? at));
    },
    async throughput(runs, steps, calls, callMs) {
      const reply = await withModel('throughput', steps, calls, callMs, { cmd: 'throughput', runs });
      if (typeof reply.wallMs !== 'number') throw new Error(`the LangGraph peer gave no wall time: ${JSON.stringify(reply)}`);
      return reply.wallMs;
    },
    close,
  };
}
