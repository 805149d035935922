import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { compileScript, type Script } from '../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../src/scripted-model/server';
import { eventMs, type Harness, type HistoryEvent } from './harness';

/** The peer's own npm project: its own Temporal SDK copy (1.23.0), `ai` and the AI SDK provider. */
export const PEER_FOLDER = join(__dirname, 'peers', 'temporal-ai-sdk');

/** How long the peer worker may take to start: `npm ci` is separate, but bundling `ai` into the workflow bundle takes a while. */
const PEER_START_TIMEOUT_MS = 180_000;

/** Result of the peer's `aiSdkAgent` workflow (bench/peers/temporal-ai-sdk/workflows.js). */
export interface PeerResult {
  text: string;
  steps: number;
  toolCalls: number;
  toolErrors: number;
}

/** A running peer worker on its own task queue, and the scripted model it calls. */
export interface PeerWorker {
  /** For the report: "Temporal's ai-sdk integration 1.23.0 (ai 7.0.173)". */
  label: string;
  versions: Record<string, string>;
  taskQueue: string;
  model: ScriptedModelServer;
  close(): Promise<void>;
}

function installedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(PEER_FOLDER, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** `npm ci` in the peer's folder when its node_modules is missing (the lock file pins every version). */
export function ensurePeerInstalled(log: (line: string) => void): void {
  if (existsSync(join(PEER_FOLDER, 'node_modules', '@temporalio', 'ai-sdk', 'package.json'))) return;
  const folder = relative(process.cwd(), PEER_FOLDER) || '.';
  log(`    installing the peer: npm ci --prefix ${folder} (once; its node_modules is git-ignored)…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', PEER_FOLDER, '--no-audit', '--no-fund', '--loglevel=error'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(`npm ci --prefix ${folder} failed (exit ${String(result.status ?? result.signal)}): ${(result.stderr || result.stdout || String(result.error)).trim().slice(-2_000)}`);
  }
}

/**
 * Starts the peer worker in its own process (it needs its own SDK copy) against the harness's dev server, with
 * the same worker limits as durable-agent's worker, and one scripted model that answers by the request's
 * `model` name (`scriptsByModel`), so one worker serves every workload.
 */
export async function startPeerWorker(harness: Harness, scriptsByModel: Readonly<Record<string, Script>>, log: (line: string) => void): Promise<PeerWorker> {
  ensurePeerInstalled(log);
  const versions = Object.fromEntries(['@temporalio/ai-sdk', '@temporalio/worker', 'ai', '@ai-sdk/openai-compatible'].map((name) => [name, installedVersion(name)]));
  const compiled = new Map(Object.entries(scriptsByModel).map(([name, script]) => [name, compileScript(script, `the peer script ${name}`)]));
  const model = await startScriptedModel(compileScript({ turns: [{ content: 'unknown model name' }] }), { scriptsByModel: compiled });
  const taskQueue = `bench-peer-ai-sdk-${process.pid}`;
  const { worker } = harness.config;
  const child = spawn(process.execPath, [join(PEER_FOLDER, 'worker.js')], {
    cwd: PEER_FOLDER,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: harness.config.address,
      BENCH_TASK_QUEUE: taskQueue,
      BENCH_MODEL_URL: model.baseURL,
      BENCH_MAX_CONCURRENT_ACTIVITIES: String(worker.maxConcurrentActivities),
      BENCH_MAX_CONCURRENT_WORKFLOW_TASKS: String(worker.maxConcurrentWorkflowTasks),
      BENCH_MAX_EAGER_ACTIVITIES: String(worker.maxEagerActivities),
      NODE_NO_WARNINGS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let closing = false;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let started = false;
  void exited.then((code) => {
    // A peer that dies mid-run leaves its workflows waiting: say why at once rather than hang silently.
    if (started && !closing) log(`    the peer worker exited unexpectedly (exit ${String(code)}): ${stderr.trim() || 'no output'}`);
  });
  const stop = async () => {
    closing = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await model.close();
  };
  try {
    let timer: NodeJS.Timeout | undefined;
    const ready = await Promise.race([
      new Promise<boolean>((resolve) => {
        // The first line is `ready`; anything printed later goes to the bench's log instead of filling the pipe.
        createInterface({ input: child.stdout }).on('line', (line) => (started ? log(`    peer: ${line}`) : resolve(line === 'ready')));
      }),
      exited.then(() => false),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), PEER_START_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (!ready) throw new Error(`the peer worker did not start (exit ${String(child.exitCode)}): ${stderr.trim() || 'no output'}`);
    started = true;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    label: `Temporal's ai-sdk integration ${versions['@temporalio/ai-sdk']} (ai ${versions.ai}, SDK ${versions['@temporalio/worker']})`,
    versions,
    taskQueue,
    model,
    close: stop,
  };
}

/** Times (ms) at which each model call of the peer was scheduled: its step k runs from call k to call k+1. */
export function modelCallTimes(events: readonly HistoryEvent[]): number[] {
  return events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'invokeModel').map(eventMs);
}

/** Refuses a peer run that did not do the scripted work, so a broken peer cannot look fast. */
export function checkPeerResult(result: PeerResult, steps: number, calls: number): void {
  if (result.steps !== steps + 1 || result.toolCalls !== steps * calls || result.toolErrors !== 0 || result.text !== 'done') {
    throw new Error(`the peer's run did not do the scripted work: expected ${steps + 1} steps, ${steps * calls} tool calls, 0 errors and "done", got ${JSON.stringify(result)}`);
  }
}
