import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker as WorkerClass, type Worker } from '@temporalio/worker';
import { z } from 'zod';
import { connectClient } from '../src/config/connect';
import { loadTemporalConfig, type TemporalConfig } from '../src/config/temporal-config';
import { compileScript, type Script } from '../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../src/scripted-model/server';
import { startDevServer, type DevServer } from '../src/temporal-server/dev-server';
import { defineTool, type Tool } from '../src/tools/define-tool';
import { createWorker, WORKFLOW_INTERCEPTOR_MODULES, WORKFLOW_PRELOAD_MODULES } from '../src/worker';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A tool that really sleeps, as in the seed article's examples. */
export const benchSleepTool: Tool = defineTool({
  name: 'work',
  description: 'Sleeps for `ms` milliseconds and returns `bytes` bytes of text.',
  input: z.object({ ms: z.number().int().min(0), bytes: z.number().int().min(0).default(16) }),
  // A short tool, declared so as a user would: its calls take the fast path (docs/fast-steps.md).
  fast: true,
  run: async ({ ms, bytes }, context) => {
    await sleep(ms, undefined, { signal: context.signal });
    return 'w'.repeat(bytes);
  },
});

/** The bare reference workflow's one activity: sleeps `ms` (none at 0) and returns it. */
export const trivialActivities = { trivial: async (ms: number): Promise<number> => (ms > 0 ? sleep(ms).then(() => ms) : ms) };

/** Everything a benchmark needs: one dev server, one workflow bundle, clients, and workers on demand. */
export interface Harness {
  config: TemporalConfig;
  client: Client;
  connection: NativeConnection;
  bundlePath: string;
  /** The dev server's process id (for its CPU time). */
  serverPid: number;
  /** Starts a scripted model and a worker for it on a fresh task queue. */
  agentWorker(script: Script, options?: AgentWorkerOptions): Promise<AgentWorker>;
  close(): Promise<void>;
}

export interface AgentWorkerOptions {
  /** @default the worker's configured maximum */
  maxConcurrentActivities?: number;
  /** The worker's tools. @default [benchSleepTool] */
  tools?: readonly Tool[];
  /** Eager activity reservations per workflow task. @default the worker's configured value */
  maxEagerActivities?: number;
  /** Scripts chosen by the run's `model` name (several variants on one worker); other names get `script`. @default none */
  scriptsByModel?: Readonly<Record<string, Script>>;
  /** The worker's task queue. @default `bench-<n>` (unique in this process only) */
  taskQueue?: string;
}

export interface AgentWorker {
  taskQueue: string;
  model: ScriptedModelServer;
  worker: Worker;
  run<T>(body: () => Promise<T>): Promise<T>;
}

let counter = 0;

export async function startHarness(): Promise<Harness> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const folder = mkdtempSync(join(tmpdir(), 'durable-agent-bench-'));
  const server: DevServer = await startDevServer({ port: 0, uiPort: 0, dbFile: join(folder, 'bench.sqlite'), onProgress: () => undefined });
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: new DefaultLogger('ERROR'), preloadModules: [...WORKFLOW_PRELOAD_MODULES], workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES] });
  const bundlePath = join(folder, 'bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const config = loadTemporalConfig({ TEMPORAL_ADDRESS: server.address });
  const connection = await NativeConnection.connect(config.connectionOptions);
  const client = await connectClient(config);
  return {
    config,
    client,
    connection,
    bundlePath,
    serverPid: server.pid,
    agentWorker: (script, options) => startAgentWorker({ config, connection, bundlePath }, script, options),
    async close() {
      await client.connection.close();
      await connection.close();
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Starts a scripted model and a worker for it on a fresh task queue, against a server and bundle made elsewhere (another process's harness). */
export async function startAgentWorker(context: Pick<Harness, 'config' | 'connection' | 'bundlePath'>, script: Script, options: AgentWorkerOptions = {}): Promise<AgentWorker> {
  const { config, connection, bundlePath } = context;
  const scriptsByModel = new Map(Object.entries(options.scriptsByModel ?? {}).map(([name, variant]) => [name, compileScript(variant, `the script of model ${name}`)]));
  const model = await startScriptedModel(compileScript(script), { scriptsByModel });
  const taskQueue = options.taskQueue ?? `bench-${++counter}`;
  const worker = await createWorker({
    config: {
      ...config,
      worker: {
        ...config.worker,
        maxConcurrentActivities: options.maxConcurrentActivities ?? config.worker.maxConcurrentActivities,
        maxEagerActivities: options.maxEagerActivities ?? config.worker.maxEagerActivities,
      },
    },
    connection,
    taskQueue,
    tools: options.tools ?? [benchSleepTool],
    builtinTools: false,
    model: { baseURL: model.baseURL, apiKey: 'bench', defaultModel: 'scripted', requestTimeoutMs: 60_000 },
    workflowBundle: { codePath: bundlePath },
  });
  return {
    taskQueue,
    model,
    worker,
    run: async (body) => {
      try {
        return await worker.runUntil(body());
      } finally {
        await model.close();
      }
    },
  };
}

export function eventMs(event: HistoryEvent): number {
  return Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6);
}

export async function eventsOf(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

/**
 * Times (ms) at which each model call was scheduled — a `plan` activity, or a local one of the default `auto` planner
 * (its marker's schedule time) — so step k runs from plan k to plan k+1. A call handed over to the activity (a model
 * still writing after 200 ms: none of the bench's, which answer at once) would count twice.
 */
export function planTimes(events: readonly HistoryEvent[]): number[] {
  return events.flatMap((event) => {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'plan') return [eventMs(event)];
    const local = localActivityOf(event);
    return local?.activityType === 'plan' ? [local.scheduledMs] : [];
  });
}

/** When each step's first call of `tool` was scheduled: a step's start, for runs whose planner leaves no `plan` activity (a local planner). */
export function toolBatchTimes(events: readonly HistoryEvent[], tool: string): number[] {
  const times: number[] = [];
  let lastBatch = Number.NEGATIVE_INFINITY;
  let lastScheduledMs = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === tool) {
      const batch = Number(scheduled.workflowTaskCompletedEventId ?? 0);
      if (batch !== lastBatch) times.push(eventMs(event));
      lastBatch = batch;
      continue;
    }
    // A fast call (a local activity, docs/fast-steps.md) is a marker written when its step's calls ended; it carries
    // the time it was scheduled. Calls of one step were scheduled together: a new batch is one scheduled later.
    const local = localActivityOf(event);
    if (local?.activityType !== tool) continue;
    if (local.scheduledMs > lastScheduledMs + LOCAL_BATCH_GAP_MS) times.push(local.scheduledMs);
    lastScheduledMs = Math.max(lastScheduledMs, local.scheduledMs);
  }
  return times;
}

/** Local activities scheduled this close together belong to one step's batch. */
const LOCAL_BATCH_GAP_MS = 5;

/** A local-activity marker's activity type, when it was first scheduled and when it completed (worker clock, ms). */
export function localActivityOf(event: HistoryEvent): { activityType: string; scheduledMs: number; completedMs: number } | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  type Time = { seconds?: number | string; nanos?: number } | null | undefined;
  const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string; original_schedule_time?: Time; complete_time?: Time };
  const ms = (time: Time) => Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
  if (!parsed.activity_type || !parsed.original_schedule_time) return undefined;
  const scheduledMs = ms(parsed.original_schedule_time);
  return { activityType: parsed.activity_type, scheduledMs, completedMs: parsed.complete_time ? ms(parsed.complete_time) : scheduledMs };
}

/** The bare workflow's step starts: its "plan" activities, every other batch after the catalogue (see bare-workflow.ts). */
export function bareStepTimes(events: readonly HistoryEvent[]): number[] {
  return toolBatchTimes(events, 'trivial')
    .slice(1)
    .filter((_, index) => index % 2 === 0);
}

/** A worker for the bare reference workflow on `taskQueue`, with the agent worker's limits. */
export function bareWorker(harness: Pick<Harness, 'connection' | 'bundlePath' | 'config'>, taskQueue: string): Promise<Worker> {
  return WorkerClass.create({
    connection: harness.connection,
    taskQueue,
    workflowBundle: { codePath: harness.bundlePath },
    activities: trivialActivities,
    maxConcurrentActivityTaskExecutions: harness.config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: harness.config.worker.maxConcurrentWorkflowTasks,
    maxEagerActivityReservationsPerWorkflowTask: harness.config.worker.maxEagerActivities,
  });
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
