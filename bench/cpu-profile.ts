import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';
import type { CpuWorkerReport } from './cpu-worker';

/** Where one thread's busy time went, by origin, from a V8 CPU profile. */
export interface ThreadProfile {
  /** Sampled time not idle, ms. */
  busyMs: number;
  /** Busy time by origin, largest first. */
  origins: { name: string; ms: number }[];
  /** The functions with the most self time, largest first. */
  topFunctions: { name: string; source: string; ms: number }[];
  /** Where the promise hook's time was spent from: the function that made the promise (or awaited), largest first. */
  hookCallers: { name: string; source: string; ms: number }[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** The SDK's stack-trace promise hook and the stack-trace preparation it triggers (sdk-typescript#1587). */
export const PROMISE_HOOK = "the SDK's stack-trace promise hook (a stack trace per promise)";
/** Self time in `vm` `runInContext`: the SDK calls into the sandbox with a timeout, which starts a watchdog thread per call. */
export const RUN_IN_CONTEXT = 'entering the sandbox (runInContext with a timeout: a watchdog thread per call)';
const BUNDLE_UNMAPPED = 'the workflow bundle';

/** The workflow bundle's source map, from its inline `sourceMappingURL` (read as the SDK reads it). */
function bundleSourceMap(bundlePath: string): RawSourceMap | undefined {
  const code = readFileSync(bundlePath, 'utf8');
  const comment = code.lastIndexOf('//# sourceMappingURL=data:');
  const base64 = comment < 0 ? -1 : code.indexOf('base64,', comment);
  if (base64 < 0) return undefined;
  return JSON.parse(Buffer.from(code.slice(base64 + 'base64,'.length).trimEnd(), 'base64').toString('utf8')) as RawSourceMap;
}

/** `durable-agent` for this repository's sources, the package name for a dependency, `Node internals` for node:… */
function originOf(source: string): string {
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (packageMatch?.[1]) return packageMatch[1];
  if (source.startsWith('node:')) return 'Node internals';
  if (/(^|\/)(src|bench)\//.test(source)) return 'durable-agent';
  if (source.startsWith('evalmachine.')) return "the SDK's sandbox glue (evalmachine)";
  if (source === BUNDLE_UNMAPPED) return 'bundle runtime (webpack, helpers)';
  return source === '' ? 'V8 builtins and native code' : 'other';
}

function isPromiseHook(frame: ProfileNode['callFrame']): boolean {
  return frame.url.endsWith('vm-shared.js') && ['init', 'settled', 'Error.prepareStackTrace'].includes(frame.functionName);
}

/**
 * Busy time of one thread by origin: samples under the SDK's promise hook count as the hook; every other sample
 * counts for the origin of its innermost frame (bundle frames mapped to their source through the bundle's map).
 */
export async function summarizeProfile(file: string, bundlePath: string, top = 8): Promise<ThreadProfile> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const rawMap = bundleSourceMap(bundlePath);
  const consumer = rawMap ? await new SourceMapConsumer(rawMap) : undefined;
  try {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parents = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
    const underHook = new Map<number, boolean>();
    /** The frame that called into the hook: the first ancestor of the hook's outermost frame that is not the hook's. */
    const hookCaller = (id: number): ProfileNode | undefined => {
      let current: number | undefined = id;
      let outermostHook: number | undefined;
      while (current !== undefined) {
        const node = nodes.get(current);
        if (node && isPromiseHook(node.callFrame)) outermostHook = current;
        current = parents.get(current);
      }
      let caller = outermostHook === undefined ? undefined : parents.get(outermostHook);
      // Skip V8's promise machinery (await, then, the Promise constructor) to the JavaScript that asked for it.
      while (caller !== undefined && (nodes.get(caller)?.callFrame.url ?? '') === '') caller = parents.get(caller);
      return caller === undefined ? undefined : nodes.get(caller);
    };
    const hookOf = (id: number): boolean => {
      const known = underHook.get(id);
      if (known !== undefined) return known;
      const node = nodes.get(id);
      const parent = parents.get(id);
      const value = node ? isPromiseHook(node.callFrame) || (parent !== undefined && hookOf(parent)) : false;
      underHook.set(id, value);
      return value;
    };
    const sourceOf = (frame: ProfileNode['callFrame']): string => {
      if (consumer && frame.url.endsWith(bundlePath)) {
        const position = consumer.originalPositionFor({ line: frame.lineNumber + 1, column: Math.max(0, frame.columnNumber) });
        return position.source ?? BUNDLE_UNMAPPED;
      }
      return frame.url;
    };
    const sampleMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
    const origins = new Map<string, number>();
    const functions = new Map<string, { name: string; source: string; ms: number }>();
    const callers = new Map<string, { name: string; source: string; ms: number }>();
    const shortSource = (source: string) => source.replace(/^.*node_modules\//, '').replace(/^\/.*?\/(src|bench)\//, '$1/');
    const addTo = (table: Map<string, { name: string; source: string; ms: number }>, frame: ProfileNode['callFrame']) => {
      const source = sourceOf(frame);
      const key = `${frame.functionName}@${source}`;
      const entry = table.get(key) ?? { name: frame.functionName || '(anonymous)', source: shortSource(source), ms: 0 };
      entry.ms += sampleMs;
      table.set(key, entry);
    };
    let busySamples = 0;
    for (const id of profile.samples) {
      const node = nodes.get(id);
      if (!node) continue;
      const { functionName } = node.callFrame;
      if (functionName === '(idle)') continue;
      busySamples += 1;
      const source = sourceOf(node.callFrame);
      const origin = hookOf(id)
        ? PROMISE_HOOK
        : functionName === '(garbage collector)'
          ? 'garbage collection'
          : functionName === '(program)'
            ? 'V8 and native code (program)'
            : functionName === 'runInContext' && source === ''
              ? RUN_IN_CONTEXT
              : originOf(source);
      origins.set(origin, (origins.get(origin) ?? 0) + sampleMs);
      addTo(functions, node.callFrame);
      if (origin === PROMISE_HOOK) {
        const caller = hookCaller(id);
        if (caller) addTo(callers, caller.callFrame);
      }
    }
    const byMs = <T extends { ms: number }>(values: Iterable<T>) => [...values].sort((a, b) => b.ms - a.ms);
    return {
      busyMs: busySamples * sampleMs,
      origins: byMs([...origins].map(([name, ms]) => ({ name, ms }))),
      topFunctions: byMs(functions.values()).slice(0, top),
      hookCallers: byMs(callers.values()).slice(0, top),
    };
  } finally {
    consumer?.destroy();
  }
}

/** A worker in its own process (bench/cpu-worker.ts) whose threads can be profiled between `start` and `stop`. */
export interface CpuWorker {
  taskQueue: string;
  pid: number;
  start(): Promise<void>;
  /** Stops the profilers: the process's CPU and each thread's profile file. */
  stop(): Promise<CpuWorkerReport>;
  close(): Promise<void>;
}

let counter = 0;

export async function startCpuWorker(options: { kind: 'agent' | 'bare'; address: string; bundlePath: string; modelUrl?: string }): Promise<CpuWorker> {
  const folder = mkdtempSync(join(tmpdir(), 'durable-agent-profile-'));
  const taskQueue = `bench-cpu-${options.kind}-${++counter}`;
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-r', join(__dirname, 'profile-probe.ts'), join(__dirname, 'cpu-worker.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.address,
      BENCH_TASK_QUEUE: taskQueue,
      BENCH_MODEL_URL: options.modelUrl ?? '',
      BENCH_BUNDLE: options.bundlePath,
      BENCH_PROFILE_DIR: folder,
      BENCH_WORKER_KIND: options.kind,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const line = String((await lines.next()).value ?? '');
    if (line.startsWith('error ')) throw new Error(`the CPU worker: ${line.slice(6)}`);
    return line;
  };
  /**
   * The worker's answer to a command: the next line `isAnswer` accepts. Anything else its process printed on stdout (a
   * library's own output, the SDK core's warnings) is passed on to stderr, not taken for an answer.
   */
  const answer = async (isAnswer: (line: string) => boolean, what: string) => {
    for (;;) {
      const line = await nextLine();
      if (isAnswer(line)) return line;
      if (child.exitCode !== null) throw new Error(`the CPU worker did not ${what} (it exited; its last line: ${line.slice(0, 300)})`);
      // An empty line is also what an ended stdout gives: let the child's exit be seen.
      if (line === '') await new Promise((resolve) => setTimeout(resolve, 50));
      else process.stderr.write(`[cpu worker] ${line}\n`);
    }
  };
  const close = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(folder, { recursive: true, force: true });
  };
  if ((await nextLine()) !== 'ready') {
    await close();
    throw new Error('the CPU worker did not start');
  }
  return {
    taskQueue,
    pid: child.pid ?? 0,
    async start() {
      child.stdin.write('start\n');
      await answer((line) => line === 'started', 'start its profilers');
    },
    async stop() {
      child.stdin.write('stop\n');
      return JSON.parse(await answer((line) => line.startsWith('{'), 'report')) as CpuWorkerReport;
    },
    close,
  };
}
