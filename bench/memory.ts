import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { compileScript } from '../src/scripted-model/script';
import { startScriptedModel } from '../src/scripted-model/server';
import type { Harness } from './harness';

export interface MemoryFigures {
  warmupRuns: number;
  runs: number;
  rssAfterWarmupMb: number;
  rssAfterRunsMb: number;
  growthPercent: number;
  samplesMb: number[];
  /** V8 heap in use after the same garbage collections: tells retained objects from allocator growth. */
  heapSamplesMb: number[];
}

/** 5. Worker RSS (its own process, after a GC) across sequential short runs, after a warm-up. */
export async function memoryGrowth(harness: Harness, warmupRuns: number, runs: number): Promise<MemoryFigures> {
  const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'work', arguments: { ms: 1, bytes: 1_024 } }] }, { content: 'done' }] }));
  const taskQueue = 'bench-memory';
  const child = spawn(process.execPath, ['--expose-gc', '-r', 'tsx/cjs', join(__dirname, 'memory-worker.ts')], {
    env: { ...process.env, TEMPORAL_ADDRESS: harness.config.address, BENCH_TASK_QUEUE: taskQueue, BENCH_MODEL_URL: model.baseURL, BENCH_BUNDLE: harness.bundlePath },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => String((await lines.next()).value ?? '');
  const heapSamplesMb: number[] = [];
  const sample = async () => {
    child.stdin.write('sample\n');
    const [, rss, , heap] = (await nextLine()).split(' ');
    heapSamplesMb.push(Number(heap) / 1_048_576);
    return Number(rss) / 1_048_576;
  };
  try {
    if ((await nextLine()) !== 'ready') throw new Error('the memory worker did not start');
    let counter = 0;
    const runOne = () =>
      harness.client.workflow.execute('agentWorkflow', { taskQueue, workflowId: `memory-${++counter}`, args: [{ goal: `memory ${counter}` }] });
    for (let index = 0; index < warmupRuns; index += 1) await runOne();
    const rssAfterWarmupMb = await sample();
    const samplesMb = [rssAfterWarmupMb];
    const every = Math.max(1, Math.floor(runs / 10));
    for (let index = 1; index <= runs; index += 1) {
      await runOne();
      if (index % every === 0) samplesMb.push(await sample());
    }
    const rssAfterRunsMb = samplesMb.at(-1) ?? rssAfterWarmupMb;
    return { warmupRuns, runs, rssAfterWarmupMb, rssAfterRunsMb, growthPercent: ((rssAfterRunsMb - rssAfterWarmupMb) / rssAfterWarmupMb) * 100, samplesMb, heapSamplesMb };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await model.close();
  }
}
