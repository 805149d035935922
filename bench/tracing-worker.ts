/**
 * One side of `npm run bench -- tracing` in a process of its own, since tracing is set up once per process: the
 * client that starts the runs, the worker and the scripted model all live here, with tracing on (the OTEL_*
 * variables the parent sets) or off (none set). Against the parent's dev server and workflow bundle it measures
 * section 2's step times (the plain executor and durable-agent, one after the other in each repeat) and then
 * section 3's throughput (`runs` agents at once).
 *
 * Configured by TEMPORAL_ADDRESS, BENCH_BUNDLE, BENCH_LABEL (a unique task-queue prefix) and BENCH_SHAPE (JSON,
 * {@link TracingShape}). Speaks on stdio: prints `phase overhead` once the step-time runs are done and their spans
 * flushed, waits for `go` on stdin (the parent counts the spans in between), and ends with one line
 * `result <json>` ({@link TracingSideResult}) after the throughput runs' spans are flushed.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { connectClient } from '../src/config/connect';
import { loadTemporalConfig } from '../src/config/temporal-config';
import { activeTracing } from '../src/observability/tracing';
import { runPlainExecutor } from './baseline-executor';
import { benchSleepTool, eventsOf, planTimes, startAgentWorker } from './harness';
import { stepsScript } from './scenarios';

/** The workloads of one side: section 2's (`overhead`) and section 3's (`throughput`). */
export interface TracingShape {
  overhead: { steps: number; calls: number; callMs: number; repeats: number };
  throughput: { runs: number; steps: number; calls: number; callMs: number };
}

/** What one side measured. */
export interface TracingSideResult {
  tracing: boolean;
  /** Step durations (ms) of the plain in-process executor, the reference of section 2. */
  baselineStepsMs: number[];
  /** durable-agent's step durations (ms): `plan` scheduled → the next `plan` scheduled, from history. */
  durableStepsMs: number[];
  /** Wall time (ms) of the throughput runs: first start → last result, at the client. */
  throughputWallMs: number;
  /** This process's CPU time (ms, user + system, every thread) over the throughput runs and the flush of their spans. */
  throughputCpuMs: number;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const shape = JSON.parse(process.env.BENCH_SHAPE ?? '') as TracingShape;
  const label = process.env.BENCH_LABEL ?? `bench-tracing-${process.pid}`;
  const bundlePath = process.env.BENCH_BUNDLE ?? '';
  // The same worker settings as the parent's harness: only the server's address comes from the environment.
  const config = loadTemporalConfig({ TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS });
  const connection = await NativeConnection.connect(config.connectionOptions);
  const client = await connectClient(config);
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const context = { config, connection, bundlePath };

  const { overhead, throughput } = shape;
  const baselineStepsMs: number[] = [];
  const durableStepsMs: number[] = [];
  const stepAgent = await startAgentWorker(context, stepsScript(overhead.steps, overhead.calls, overhead.callMs), { taskQueue: `${label}-steps` });
  await stepAgent.run(async () => {
    for (let repeat = 0; repeat < overhead.repeats; repeat += 1) {
      const plain = await runPlainExecutor({ baseURL: stepAgent.model.baseURL, goal: `overhead ${repeat}`, tools: [benchSleepTool], maxSteps: overhead.steps + 1, maxParallel: overhead.calls });
      baselineStepsMs.push(...plain.stepDurationsMs.slice(0, overhead.steps));
      const handle = await client.workflow.start('agentWorkflow', {
        taskQueue: stepAgent.taskQueue,
        workflowId: `${stepAgent.taskQueue}-${repeat}`,
        args: [{ goal: `overhead ${repeat}`, maxSteps: overhead.steps + 1, maxParallel: overhead.calls }],
      });
      await handle.result();
      const plans = planTimes(await eventsOf(handle));
      for (let step = 0; step < overhead.steps; step += 1) durableStepsMs.push((plans[step + 1] ?? 0) - (plans[step] ?? 0));
    }
  });
  await activeTracing()?.spanProcessor.forceFlush();
  process.stdout.write('phase overhead\n');
  if (String((await lines.next()).value ?? '').trim() !== 'go') throw new Error('the parent did not say go');

  const loadAgent = await startAgentWorker(context, stepsScript(throughput.steps, throughput.calls, throughput.callMs), { taskQueue: `${label}-throughput` });
  const cpuBefore = process.cpuUsage();
  const throughputWallMs = await loadAgent.run(async () => {
    const started = performance.now();
    const handles = await Promise.all(
      Array.from({ length: throughput.runs }, (_, index) =>
        client.workflow.start('agentWorkflow', {
          taskQueue: loadAgent.taskQueue,
          workflowId: `${loadAgent.taskQueue}-${index}`,
          args: [{ goal: `throughput ${index}`, maxParallel: throughput.calls, maxSteps: throughput.steps + 1 }],
        }),
      ),
    );
    await Promise.all(handles.map((handle) => handle.result()));
    return performance.now() - started;
  });
  await activeTracing()?.spanProcessor.forceFlush();
  const cpu = process.cpuUsage(cpuBefore);
  const result: TracingSideResult = { tracing: activeTracing() !== undefined, baselineStepsMs, durableStepsMs, throughputWallMs, throughputCpuMs: (cpu.user + cpu.system) / 1000 };
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
  await activeTracing()?.shutdown();
  await client.connection.close();
  await connection.close();
  process.stdin.destroy();
  if (!process.stdout.write('')) await once(process.stdout, 'drain');
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`tracing bench side failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
