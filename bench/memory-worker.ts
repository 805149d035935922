/**
 * A worker in its own process for the memory benchmark. On each "sample" line on stdin it collects garbage
 * and prints `rss <bytes>`. Configured by BENCH_TASK_QUEUE, BENCH_MODEL_URL, BENCH_BUNDLE, TEMPORAL_ADDRESS.
 */
import { createInterface } from 'node:readline';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadTemporalConfig } from '../src/config/temporal-config';
import { createWorker } from '../src/worker';
import { benchSleepTool } from './harness';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
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
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    process.stdout.write(`rss ${usage.rss} heap ${usage.heapUsed}\n`);
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
