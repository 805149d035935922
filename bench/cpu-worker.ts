/**
 * A worker in its own process for section 7's CPU figures, with bench/profile-probe.ts preloaded into every
 * thread. `BENCH_WORKER_KIND` is `agent` (durable-agent's worker) or `bare` (the bare reference workflow's).
 * Commands on stdin, one answer line each on stdout:
 * - `start`: every thread starts its profiler → `started`;
 * - `stop`: every thread stops and writes its profile → one JSON line, {@link CpuWorkerReport}.
 * Configured by BENCH_TASK_QUEUE, BENCH_MODEL_URL, BENCH_BUNDLE, BENCH_PROFILE_DIR, TEMPORAL_ADDRESS.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BroadcastChannel } from 'node:worker_threads';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadTemporalConfig } from '../src/config/temporal-config';
import { createWorker } from '../src/worker';
import { benchSleepTool, trivialActivities } from './harness';
import { PROFILE_CHANNEL, type ProfileMessage } from './profile-probe';

const ANSWER_TIMEOUT_MS = 15_000;

export interface CpuWorkerReport {
  /** CPU (user + system) of the whole process between `start` and `stop`, ms. */
  processCpuMs: number;
  profiles: { threadId: number; isMainThread: boolean; file: string }[];
}

/** utime + stime of this process, ms (clock ticks are 100 Hz on Linux). */
function processCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

/** Sends `command` to every thread's probe and waits until each announced thread has answered. */
function threadProbes() {
  const channel = new BroadcastChannel(PROFILE_CHANNEL);
  channel.unref();
  const threads = new Set<number>();
  let pending: { answers: ProfileMessage[]; done: () => void } | undefined;
  channel.onmessage = (event) => {
    const message = event.data as ProfileMessage;
    threads.add(message.threadId);
    if (pending && (message.started || message.file || message.error)) {
      pending.answers.push(message);
      if (pending.answers.length >= threads.size) pending.done();
    }
  };
  return async (command: 'start' | 'stop'): Promise<ProfileMessage[]> => {
    const answers: ProfileMessage[] = [];
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      pending = { answers, done: resolve };
      timer = setTimeout(() => reject(new Error(`${answers.length} of ${threads.size} threads answered "${command}" within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
      channel.postMessage(command);
    });
    clearTimeout(timer);
    pending = undefined;
    const failed = answers.find((answer) => answer.error);
    if (failed) throw new Error(`thread ${failed.threadId} could not ${command} its profiler: ${failed.error}`);
    return answers;
  };
}

async function startWorker(): Promise<Worker> {
  const config = loadTemporalConfig();
  const taskQueue = process.env.BENCH_TASK_QUEUE ?? 'bench-cpu';
  const bundle = { codePath: process.env.BENCH_BUNDLE ?? '' };
  if (process.env.BENCH_WORKER_KIND === 'bare') {
    return Worker.create({
      taskQueue,
      workflowBundle: bundle,
      activities: trivialActivities,
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
      maxEagerActivityReservationsPerWorkflowTask: config.worker.maxEagerActivities,
      connection: await NativeConnection.connect(config.connectionOptions),
    });
  }
  return createWorker({
    config,
    taskQueue,
    tools: [benchSleepTool],
    builtinTools: false,
    model: { baseURL: process.env.BENCH_MODEL_URL, apiKey: 'bench', defaultModel: 'scripted', requestTimeoutMs: 60_000 },
    workflowBundle: bundle,
  });
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const probes = threadProbes();
  const worker = await startWorker();
  let cpuAtStart = 0;
  createInterface({ input: process.stdin }).on('line', (line) => {
    const command = line.trim();
    if (command !== 'start' && command !== 'stop') return;
    void (async () => {
      try {
        if (command === 'start') {
          await probes('start');
          cpuAtStart = processCpuMs();
          process.stdout.write('started\n');
          return;
        }
        const cpu = processCpuMs() - cpuAtStart;
        const answers = await probes('stop');
        const report: CpuWorkerReport = { processCpuMs: cpu, profiles: answers.map((answer) => ({ threadId: answer.threadId, isMainThread: answer.isMainThread, file: answer.file ?? '' })) };
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } catch (error) {
        process.stdout.write(`error ${error instanceof Error ? error.message : String(error)}\n`);
      }
    })();
  });
  process.stdout.write('ready\n');
  await worker.run();
  // The stdin reader would keep the process alive after a graceful shutdown.
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`cpu worker failed: ${String(error)}\n`);
  process.exit(1);
});
