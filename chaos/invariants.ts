import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { RunEvent } from '../src/contracts/interaction-schemas';
import type { EffectRecord } from './tool-server';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One execution of a run's chain (or a sub-agent's), with its history. */
export interface Execution {
  workflowId: string;
  runId: string;
  events: HistoryEvent[];
}

/** The histories of every execution of each workflow id (continue-as-new chains whole). */
export async function executionsOf(client: Client, workflowIds: readonly string[]): Promise<Execution[]> {
  const executions: Execution[] = [];
  for (const workflowId of workflowIds) {
    for await (const info of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await client.workflow.getHandle(workflowId, info.runId).fetchHistory();
      executions.push({ workflowId, runId: info.runId, events: history.events ?? [] });
    }
  }
  return executions;
}

const millis = (time: HistoryEvent['eventTime']): number => Number(time?.seconds ?? 0) * 1_000 + Math.floor((time?.nanos ?? 0) / 1e6);

/** When each tool call's completion entered history, by its idempotency key (`<workflowId>/<callId>`). */
export function completionsByKey(executions: readonly Execution[]): Map<string, number> {
  const completed = new Map<string, number>();
  for (const { events } of executions) {
    const keyOfScheduled = new Map<string, string>();
    for (const event of events) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) {
        const data = scheduled.input?.payloads?.[0]?.data;
        const input = data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { idempotencyKey?: unknown }) : undefined;
        if (typeof input?.idempotencyKey === 'string') keyOfScheduled.set(String(event.eventId), input.idempotencyKey);
      }
      const done = event.activityTaskCompletedEventAttributes;
      const key = done ? keyOfScheduled.get(String(done.scheduledEventId)) : fastCallKey(event);
      if (key && !completed.has(key)) completed.set(key, millis(event.eventTime));
    }
  }
  return completed;
}

/**
 * The idempotency key of a fast call (a local activity, docs/fast-steps.md) whose marker records its completion: its
 * input is not in history, but the effect tool's output echoes the key (chaos/tool-server.ts).
 */
function fastCallKey(event: HistoryEvent): string | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return undefined;
  // Only the effect tool's own calls: a model call's marker can quote earlier outputs (an answer with its observations).
  const record = marker.details?.data?.payloads?.[0]?.data;
  const type = record ? (JSON.parse(Buffer.from(record).toString('utf8')) as { activity_type?: unknown }).activity_type : undefined;
  if (type !== 'effect') return undefined;
  const data = marker.details?.result?.payloads?.[0]?.data;
  if (!data) return undefined;
  const key = /\\?"key\\?"\s*:\s*\\?"([^"\\]+)/.exec(Buffer.from(data).toString('utf8'));
  return key?.[1];
}

/** Tool calls that ran again after their completion was recorded: the violation "a completed call ran twice". */
export function ranAfterCompletion(records: readonly EffectRecord[], completed: ReadonlyMap<string, number>): EffectRecord[] {
  return records.filter((record) => {
    const at = completed.get(record.key);
    return at !== undefined && record.startedAt > at;
  });
}

/** Decisions and answers applied more than once, or asked for and never applied, in a run's event log. */
export function decisionProblems(events: readonly RunEvent[]): string[] {
  const problems: string[] = [];
  const count = (type: RunEvent['type']) => {
    const seen = new Map<string, number>();
    for (const event of events) if (event.type === type && event.callId) seen.set(event.callId, (seen.get(event.callId) ?? 0) + 1);
    return seen;
  };
  const asked = count('approval_needed');
  const decided = count('approval_decided');
  const questions = count('question_asked');
  const answered = count('question_answered');
  for (const [callId, times] of decided) if (times > 1) problems.push(`approval of ${callId} applied ${times} times`);
  for (const callId of asked.keys()) if (!decided.has(callId)) problems.push(`approval of ${callId} asked and never decided`);
  for (const [callId, times] of answered) if (times > 1) problems.push(`answer to ${callId} applied ${times} times`);
  for (const callId of questions.keys()) if (!answered.has(callId)) problems.push(`question ${callId} asked and never answered`);
  return problems;
}

/**
 * Whether an activity of `activityType` ended the way its retry policy ends: every attempt failed or timed out
 * (`MAXIMUM_ATTEMPTS_REACHED`), in any execution given. The planner's policy (8 attempts) is documented: a model call
 * that fails 8 times ends the run `failed`, which under enough faults is the status its script implies.
 */
export function attemptsRanOut(executions: readonly Execution[], activityType: string): boolean {
  const exhausted = temporal.api.enums.v1.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED;
  return executions.some(({ events }) => {
    const typeOf = new Map(events.filter((event) => event.activityTaskScheduledEventAttributes).map((event) => [String(event.eventId), event.activityTaskScheduledEventAttributes?.activityType?.name]));
    return events.some((event) => {
      const ended = event.activityTaskTimedOutEventAttributes ?? event.activityTaskFailedEventAttributes;
      return ended?.retryState === exhausted && typeOf.get(String(ended.scheduledEventId)) === activityType;
    });
  });
}

/** A session's messages that never started a turn, or started more than one (turn_started events carry the message). */
export function sessionProblems(events: readonly RunEvent[], messages: readonly string[]): string[] {
  const started = events.filter((event) => event.type === 'turn_started').map((event) => event.detail ?? '');
  const problems: string[] = [];
  for (const message of messages) {
    const times = started.filter((detail) => detail === message).length;
    if (times !== 1) problems.push(`message "${message}" started ${times} turns`);
  }
  const unexpected = started.filter((detail) => !messages.includes(detail));
  if (unexpected.length) problems.push(`turns started by messages never sent: ${unexpected.join(', ')}`);
  return problems;
}

/** Replays every execution with the current workflow code; returns the ones that failed, with why. */
export async function replayFailures(executions: readonly Execution[], bundlePath: string): Promise<string[]> {
  const failures: string[] = [];
  const histories = executions.map(({ workflowId, events }) => ({ workflowId, history: { events } }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath } }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message.slice(0, 200)}`);
  }
  return failures;
}

/** Every string in a value, with bytes (payload data) read as UTF-8. */
function textsOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (value instanceof Uint8Array) into.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const item of value) textsOf(item, into);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) textsOf(item, into);
  return into;
}

/** Executions whose history holds the secret anywhere (payloads, failures, headers), as text or base64. */
export function secretLeaks(executions: readonly Execution[], secret: string): string[] {
  const encoded = Buffer.from(secret).toString('base64');
  return executions
    .filter(({ events }) => textsOf(events).some((text) => text.includes(secret) || text.includes(encoded)))
    .map(({ workflowId, runId }) => `${workflowId} (${runId})`);
}

