import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { compileScript } from '../src/scripted-model/script';
import { startScriptedModel } from '../src/scripted-model/server';
import type { Harness } from './harness';
import { BEFORE_FAST_STEPS } from './scenarios';

export interface MemoryFigures {
  warmupRuns: number;
  runs: number;
  rssAfterWarmupMb: number;
  rssAfterRunsMb: number;
  growthPercent: number;
  samplesMb: number[];
  /** The main thread's V8 heap in use after the same garbage collections: tells retained objects from allocator growth. */
  heapSamplesMb: number[];
  /** The workflow thread's V8 heap in use (the SDK runs workflows in a worker thread), after a GC in that thread. */
  workflowHeapSamplesMb?: number[];
  /** Worker threads that answered each sample (the SDK's workflow thread pool). */
  workflowThreads?: number;
  /** Resident anonymous memory (`Anonymous:` of /proc/<pid>/smaps_rollup): every thread's heap and native allocations. */
  anonymousSamplesMb?: number[];
}

const MB = 1_048_576;

/** Parses `key value key value …` from the memory worker. */
function fieldsOf(line: string): Map<string, number> {
  const words = line.trim().split(/\s+/);
  const fields = new Map<string, number>();
  for (let index = 0; index + 1 < words.length; index += 2) fields.set(words[index] ?? '', Number(words[index + 1]));
  return fields;
}

/**
 * 5. Worker memory (its own process, after a GC in every thread) across sequential short runs, after a warm-up:
 * RSS, resident anonymous memory, and the V8 heaps of the main thread and of the workflow thread.
 */
export async function memoryGrowth(harness: Harness, warmupRuns: number, runs: number): Promise<MemoryFigures> {
  const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'work', arguments: { ms: 1, bytes: 1_024 } }] }, { content: 'done' }] }));
  const taskQueue = 'bench-memory';
  // `BENCH_FAST_TOOLS=none`: every call an activity (the activity planner, no fast tools), as before fast steps (docs/fast-steps.md).
  const FAST_TOOLS = process.env.BENCH_FAST_TOOLS === 'none' ? BEFORE_FAST_STEPS : {};
  const child = spawn(process.execPath, ['--expose-gc', '-r', 'tsx/cjs', '-r', join(__dirname, 'thread-heap-probe.ts'), join(__dirname, 'memory-worker.ts')], {
    env: { ...process.env, TEMPORAL_ADDRESS: harness.config.address, BENCH_TASK_QUEUE: taskQueue, BENCH_MODEL_URL: model.baseURL, BENCH_BUNDLE: harness.bundlePath },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => String((await lines.next()).value ?? '');
  const heapSamplesMb: number[] = [];
  const workflowHeapSamplesMb: number[] = [];
  const anonymousSamplesMb: number[] = [];
  let workflowThreads = 0;
  const sample = async () => {
    child.stdin.write('sample\n');
    const fields = fieldsOf(await nextLine());
    heapSamplesMb.push((fields.get('heap') ?? Number.NaN) / MB);
    const threadHeap = fields.get('threadHeap') ?? -1;
    workflowThreads = fields.get('threads') ?? 0;
    if (threadHeap >= 0 && workflowThreads > 0) workflowHeapSamplesMb.push(threadHeap / MB);
    const anonymous = fields.get('anonymous') ?? -1;
    if (anonymous >= 0) anonymousSamplesMb.push(anonymous / MB);
    return (fields.get('rss') ?? Number.NaN) / MB;
  };
  try {
    if ((await nextLine()) !== 'ready') throw new Error('the memory worker did not start');
    let counter = 0;
    const runOne = () =>
      harness.client.workflow.execute('agentWorkflow', { taskQueue, workflowId: `memory-${++counter}`, args: [{ goal: `memory ${counter}`, ...FAST_TOOLS }] });
    for (let index = 0; index < warmupRuns; index += 1) await runOne();
    const rssAfterWarmupMb = await sample();
    const samplesMb = [rssAfterWarmupMb];
    const every = Math.max(1, Math.floor(runs / 10));
    for (let index = 1; index <= runs; index += 1) {
      await runOne();
      if (index % every === 0) samplesMb.push(await sample());
    }
    const rssAfterRunsMb = samplesMb.at(-1) ?? rssAfterWarmupMb;
    return {
      warmupRuns,
      runs,
      rssAfterWarmupMb,
      rssAfterRunsMb,
      growthPercent: ((rssAfterRunsMb - rssAfterWarmupMb) / rssAfterWarmupMb) * 100,
      samplesMb,
      heapSamplesMb,
      ...(workflowHeapSamplesMb.length === samplesMb.length ? { workflowHeapSamplesMb, workflowThreads } : {}),
      ...(anonymousSamplesMb.length === samplesMb.length ? { anonymousSamplesMb } : {}),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await model.close();
  }
}
