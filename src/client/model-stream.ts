import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { lastAnswerQuery, type AgentWorkflow } from '../contracts/definitions';
import { ModelTextDetailsSchema, STREAM_INTERVAL_MS, type ModelStreamChunk, type ModelTextDetails } from '../contracts/model-text';

/** Options of `handle.stream()`. */
export interface ModelStreamOptions {
  /** Stops the stream, without error. */
  signal?: AbortSignal;
  /** How often the run is read while the model writes. @default STREAM_INTERVAL_MS (100 ms) */
  intervalMs?: number;
  /** How often it is read while no model call runs (tools, waits for people) and no worker holds its workflow task. @default 250 ms */
  idleIntervalMs?: number;
}

/** The model call a stream is showing: where it is, and how much of its text was yielded. */
interface Shown {
  /** The run and activity of the call (a continue-as-new starts a new run, whose activity ids start over). */
  key: string;
  step: number;
  attempt: number;
  chars: number;
  calls: number;
}

/**
 * The model call in progress, from the run's pending `plan` activity: its key, and its text so far when it has any
 * (none between a failed attempt and the next one's first heartbeat); undefined while no model call runs.
 */
async function liveCall(
  handle: WorkflowHandle<AgentWorkflow>,
  description: Awaited<ReturnType<WorkflowHandle['describe']>>,
): Promise<{ key: string; details?: ModelTextDetails } | undefined> {
  const plan = description.raw.pendingActivities?.find((activity) => activity.activityType?.name === 'plan');
  if (!plan) return undefined;
  const key = `${description.runId}/${plan.activityId}`;
  const payloads = plan.heartbeatDetails?.payloads;
  if (!payloads?.length) return { key };
  const [value] = await decodeArrayFromPayloads(handle.client.options.loadedDataConverter, payloads);
  const parsed = ModelTextDetailsSchema.safeParse(value);
  // Until the new attempt's first heartbeat, the server still shows the previous attempt's text: not this attempt's.
  return parsed.success && parsed.data.attempt >= (plan.attempt ?? 1) ? { key, details: parsed.data } : { key };
}

/** Whether a worker holds the run's workflow task right now (a local model call or fast tool calls may run inside it). */
export function workflowTaskRunning(description: Awaited<ReturnType<WorkflowHandle['describe']>>): boolean {
  return description.raw.pendingWorkflowTask?.state === temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED;
}

/** The text so far of the model call under way (its step, attempt and the tail of its text), or undefined when none. */
export async function modelTextNow(handle: WorkflowHandle<AgentWorkflow>): Promise<ModelTextDetails | undefined> {
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') return undefined;
  return (await liveCall(handle, description))?.details;
}

/** How many times, RECORDED_ANSWER_PAUSE_MS apart, a stream reads a finished call's answer before the run has recorded it. */
const RECORDED_ANSWER_READS = 10;
const RECORDED_ANSWER_PAUSE_MS = 100;

/**
 * The rest of a call's text after its last heartbeat, and its tool calls: from the recorded answer (the server keeps no
 * heartbeat sent at completion). Nothing when it cannot be read (no worker, the run failed).
 */
async function recordedRest(handle: WorkflowHandle<AgentWorkflow>, shown: Shown, open: boolean): Promise<{ text: string; calls: string[] }> {
  try {
    if (open) {
      // The call's activity has completed, but the run may not have recorded its answer yet (its workflow task is still
      // to run): read again for a moment rather than end the call without its last words.
      for (let read = 1; ; read += 1) {
        const answer = await handle.query(lastAnswerQuery);
        if (answer && answer.step === shown.step) return { text: answer.content.slice(shown.chars), calls: answer.calls ?? [] };
        if ((answer && answer.step > shown.step) || read >= RECORDED_ANSWER_READS) return { text: '', calls: [] };
        await sleep(RECORDED_ANSWER_PAUSE_MS);
      }
    }
    const result = await handle.result();
    return { text: typeof result.answer === 'string' && result.steps === shown.step ? result.answer.slice(shown.chars) : '', calls: [] };
  } catch {
    return { text: '', calls: [] };
  }
}

/**
 * The model's text as it writes, for every model call of the run from now until the run ends (docs/streaming.md). Read
 * from the run's pending `plan` activity (its heartbeat details: the text so far), so it adds nothing to the run's
 * history, takes no Update, and works with the embedded server alone. A call already under way is shown from its
 * start (a `gap` says what left the window); a retried call gives a `reset` with its attempt, then the new text; each
 * call ends with `done`. A call made from a local activity shows no text: with `planner: 'local'`, and with the default
 * `auto` planner a call answered within its hand-off time (200 ms); a longer one is handed to the `plan` activity and shown.
 */
export async function* modelStream(handle: WorkflowHandle<AgentWorkflow>, options: ModelStreamOptions = {}): AsyncGenerator<ModelStreamChunk> {
  const { signal } = options;
  const busy = options.intervalMs ?? STREAM_INTERVAL_MS;
  const idle = Math.max(busy, options.idleIntervalMs ?? 250);
  let shown: Shown | undefined;
  while (!signal?.aborted) {
    const description = await handle.describe();
    const open = description.status.name === 'RUNNING';
    const live = open ? await liveCall(handle, description) : undefined;
    const call = live?.details;
    if (shown && (!live || live.key !== shown.key || (call && call.step !== shown.step))) {
      const rest = await recordedRest(handle, shown, open);
      if (rest.text) yield { type: 'text', step: shown.step, attempt: shown.attempt, text: rest.text };
      if (rest.calls.length > shown.calls) yield { type: 'calls', step: shown.step, attempt: shown.attempt, names: rest.calls };
      yield { type: 'done', step: shown.step, attempt: shown.attempt };
      shown = undefined;
    }
    if (live && call) {
      if (!shown) shown = { key: live.key, step: call.step, attempt: call.attempt, chars: 0, calls: 0 };
      else if (call.attempt !== shown.attempt) {
        shown = { ...shown, attempt: call.attempt, chars: 0, calls: 0 };
        yield { type: 'reset', step: call.step, attempt: call.attempt };
      }
      if (call.offset > shown.chars) {
        yield { type: 'gap', step: call.step, attempt: call.attempt, skipped: call.offset - shown.chars };
        shown.chars = call.offset;
      }
      const end = call.offset + call.text.length;
      if (end > shown.chars) {
        yield { type: 'text', step: call.step, attempt: call.attempt, text: call.text.slice(shown.chars - call.offset) };
        shown.chars = end;
      }
      if ((call.calls?.length ?? 0) > shown.calls) {
        shown.calls = call.calls?.length ?? 0;
        yield { type: 'calls', step: call.step, attempt: call.attempt, names: call.calls ?? [] };
      }
    }
    if (!open) return;
    // A worker holding the workflow task may be making a local model call that is about to be handed over to the
    // `plan` activity (the default planner, docs/agent-loop.md): read again at the pace of a model call.
    await sleep(live || workflowTaskRunning(description) ? busy : idle, undefined, { signal }).catch(() => undefined);
  }
}
