/**
 * A worker in its own process for the memory benchmark, started with `--expose-gc` and bench/thread-heap-probe.ts
 * preloaded. On each "sample" line on stdin it collects garbage in every thread and prints one line:
 * `rss <bytes> anonymous <bytes> heap <bytes> threadHeap <bytes> threads <count>` (anonymous from
 * /proc/self/smaps_rollup, -1 where it is unreadable; threadHeap summed over the worker threads that answered).
 * Configured by BENCH_TASK_QUEUE, BENCH_MODEL_URL, BENCH_BUNDLE, TEMPORAL_ADDRESS.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BroadcastChannel } from 'node:worker_threads';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadTemporalConfig } from '../src/config/temporal-config';
import { createWorker } from '../src/worker';
import { benchSleepTool } from './harness';
import { THREAD_HEAP_CHANNEL, type ThreadHeapMessage } from './thread-heap-probe';

const THREAD_ANSWER_TIMEOUT_MS = 10_000;

/** Resident anonymous memory (heaps of every thread, native allocations, no file-backed pages), or -1. */
function anonymousBytes(): number {
  try {
    const match = /^Anonymous:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    return match ? Number(match[1]) * 1024 : -1;
  } catch {
    return -1;
  }
}

/** The worker threads' heaps: each announced thread answers `sample` with its heap after a GC. */
function threadHeaps() {
  const channel = new BroadcastChannel(THREAD_HEAP_CHANNEL);
  channel.unref();
  const threads = new Set<number>();
  let pending: { answers: Map<number, number>; done: () => void } | undefined;
  channel.onmessage = (event) => {
    const message = event.data as ThreadHeapMessage;
    threads.add(message.threadId);
    if (pending && message.usedHeapBytes !== undefined) {
      pending.answers.set(message.threadId, message.usedHeapBytes);
      if (pending.answers.size >= threads.size) pending.done();
    }
  };
  return async (): Promise<{ bytes: number; threads: number }> => {
    if (threads.size === 0) return { bytes: -1, threads: 0 };
    const answers = new Map<number, number>();
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      pending = { answers, done: resolve };
      timer = setTimeout(resolve, THREAD_ANSWER_TIMEOUT_MS);
      channel.postMessage('sample');
    });
    clearTimeout(timer);
    pending = undefined;
    return { bytes: [...answers.values()].reduce((sum, value) => sum + value, 0), threads: answers.size };
  };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const sampleThreads = threadHeaps();
  const worker = await createWorker({
    config: loadTemporalConfig(),
    taskQueue: process.env.BENCH_TASK_QUEUE ?? 'bench-memory',
    tools: [benchSleepTool],
    builtinTools: false,
    model: { baseURL: process.env.BENCH_MODEL_URL, apiKey: 'bench', defaultModel: 'scripted', requestTimeoutMs: 60_000 },
    workflowBundle: { codePath: process.env.BENCH_BUNDLE ?? '' },
  });
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'sample') return;
    void (async () => {
      const thread = await sampleThreads();
      (globalThis as { gc?: () => void }).gc?.();
      const usage = process.memoryUsage();
      process.stdout.write(`rss ${usage.rss} anonymous ${anonymousBytes()} heap ${usage.heapUsed} threadHeap ${thread.bytes} threads ${thread.threads}\n`);
    })();
  });
  process.stdout.write('ready\n');
  await worker.run();
  // The stdin reader would keep the process alive after a graceful shutdown.
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`memory worker failed: ${String(error)}\n`);
  process.exit(1);
});
