import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { compileScript, type Script } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import type { AgentRunInput } from '../../src/contracts/run-input';
import type { AgentRunResult } from '../../src/contracts/run-result';
import type { PlannerContext, PlanResult } from '../../src/contracts/planner-io';
import type { ModelPrices } from '../../src/contracts/pricing';
import type { Tool } from '../../src/tools/define-tool';
import type { AgentWorkerOptions } from '../../src/worker';
import { payloadValues } from './payloads';
import { withTestWorker } from './temporal';

export interface AgentTestContext {
  client: Client;
  taskQueue: string;
  model: ScriptedModelServer;
  /** Starts `agentWorkflow` and returns its handle. */
  start(input: AgentRunInput, workflowId?: string): Promise<WorkflowHandleWithFirstExecutionRunId>;
  /** Starts `agentWorkflow` and waits for its result. */
  run(input: AgentRunInput, workflowId?: string): Promise<{ handle: WorkflowHandle; result: AgentRunResult }>;
}

/** A scripted model on loopback plus a worker with `tools`, on a fresh task queue, for the length of `body`. */
export async function withAgent<T>(
  script: Script,
  tools: readonly Tool[],
  body: (context: AgentTestContext) => Promise<T>,
  workerOptions: Pick<AgentWorkerOptions, 'builtinTools' | 'mcp' | 'outputs'> & { prices?: ModelPrices; handoffAfterMs?: number } = {},
): Promise<T> {
  const { prices, handoffAfterMs, ...options } = workerOptions;
  const model = await startScriptedModel(compileScript(script));
  try {
    return await withTestWorker(
      'agent',
      async ({ client, taskQueue }) => {
        let counter = 0;
        const start = (input: AgentRunInput, workflowId = `${taskQueue}-${++counter}`) =>
          client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [input] });
        const run = async (input: AgentRunInput, workflowId?: string) => {
          const handle = await start(input, workflowId);
          return { handle, result: (await handle.result()) as AgentRunResult };
        };
        return body({ client, taskQueue, model, start, run });
      },
      { ...options, tools, model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000, ...(prices ? { prices } : {}), ...(handoffAfterMs !== undefined ? { handoffAfterMs } : {}) } },
    );
  } finally {
    await model.close();
  }
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Events of a run's history. */
export async function historyEvents(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

/** Activity type names in scheduling order. */
export function scheduledActivities(events: readonly HistoryEvent[]): string[] {
  return events.flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

/**
 * Activity types a history ran, in order: activity tasks as they were scheduled and local activities (the fast path,
 * docs/fast-steps.md) as their markers were recorded. A model call handed over by its local activity (a machine slow
 * enough that a scripted answer took 200 ms) counts once, as the `plan` activity that took it over.
 */
export function ranActivities(events: readonly HistoryEvent[]): string[] {
  return events.flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) return [name];
    const local = localActivityOf(event);
    if (local?.type === 'plan' && local.result && typeof local.result === 'object' && 'handoff' in local.result) return [];
    return local?.type ? [local.type] : [];
  });
}

/** A local activity's marker: the SDK core's record of the call (type, attempt) and its result; undefined for other events. */
function localActivityOf(event: HistoryEvent): { type?: string; attempt?: number; result: unknown } | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = payloadValues<{ activity_type?: string; attempt?: number }>(marker.details?.data)[0];
  return { type: data?.activity_type, attempt: data?.attempt, result: payloadValues(marker.details?.result)[0] };
}

/**
 * The model calls of a history, in order, with the attempt that answered: `plan` activities (their last start) and the
 * default planner's local calls (their markers; a call handed over to the activity counts once, as the activity).
 */
export function modelCalls(events: readonly HistoryEvent[]): Array<{ attempt: number; answer?: PlanResult; event: HistoryEvent }> {
  const planIds = new Set(events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'plan').map((event) => String(event.eventId)));
  const calls: Array<{ attempt: number; answer?: PlanResult; event: HistoryEvent }> = [];
  const started = new Map<string, number>();
  for (const event of events) {
    const start = event.activityTaskStartedEventAttributes;
    if (start && planIds.has(String(start.scheduledEventId))) started.set(String(start.scheduledEventId), start.attempt ?? 1);
    const done = event.activityTaskCompletedEventAttributes;
    if (done && planIds.has(String(done.scheduledEventId))) {
      calls.push({ attempt: started.get(String(done.scheduledEventId)) ?? 1, answer: payloadValues<PlanResult>(done.result)[0], event });
    }
    const local = localActivityOf(event);
    if (local?.type === 'plan' && local.result && typeof local.result === 'object' && 'message' in local.result) {
      calls.push({ attempt: local.attempt ?? 1, answer: local.result as PlanResult, event });
    }
  }
  return calls;
}

/** Ids of the patches a history's markers record, in order. */
export function patchIdsOf(events: readonly HistoryEvent[]): string[] {
  return events.flatMap((event) =>
    event.markerRecordedEventAttributes?.markerName === 'core_patch' ? payloadValues<{ id: string }>(event.markerRecordedEventAttributes.details?.['patch-data']).map((data) => data.id) : [],
  );
}

/** With RECORD_HISTORIES=1, saves a run's history as a replay fixture under test/histories/. */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  writeFileSync(join(__dirname, '..', 'histories', `${name}.json`), historyToJSON(await handle.fetchHistory()));
}

/** What the model was told about each call, by the model's call id (read with the workflow's query). */
export async function toolMessagesByCallId(handle: WorkflowHandle): Promise<Map<string, string>> {
  const context = await handle.query<PlannerContext>('plannerContext');
  return new Map(context.messages.filter((message) => message.role === 'tool').map((message) => [message.toolCallId ?? '', message.content]));
}
