import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../contracts/error-types';
import { GRPC_STATUS, grpcStatusOf } from '../config/connect';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import type { RecordedTools, ToolActivityInput, ToolActivityOutput } from '../contracts/tool-spec';

/** A tool call a run recorded: its tool, its input, and what it returned (as its activity completed). */
export interface RecordedCall {
  tool: string;
  /** The call as the run shows it (`s2-1`). */
  taskId: string;
  input: unknown;
  output: ToolActivityOutput;
}

/** Executions of a continue-as-new chain read at most, newest first. */
const MAX_CHAIN_RUNS = 1_000;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A run's tool calls: every one it scheduled (as an activity), and those that completed, with their output. */
export interface RunToolCalls {
  scheduled: Array<{ tool: string; taskId: string; input: unknown }>;
  completed: RecordedCall[];
}

/** The calls one execution's history scheduled and completed, in order. */
async function callsOf(client: Client, events: readonly HistoryEvent[]): Promise<RunToolCalls> {
  const converter = client.options.loadedDataConverter;
  const scheduled = new Map<string, { tool: string; request: ToolActivityInput }>();
  const calls: RecordedCall[] = [];
  for (const event of events) {
    const started = event.activityTaskScheduledEventAttributes;
    if (started?.activityType?.name && event.eventId) {
      const [request] = await decodeArrayFromPayloads(converter, started.input?.payloads);
      // Tool activities take a ToolActivityInput; the model's (`plan`) and the catalogue's do not.
      if (typeof (request as ToolActivityInput | undefined)?.taskId === 'string') scheduled.set(String(event.eventId), { tool: started.activityType.name, request: request as ToolActivityInput });
      continue;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const call = completed ? scheduled.get(String(completed.scheduledEventId)) : undefined;
    if (!completed || !call) continue;
    const [output] = await decodeArrayFromPayloads(converter, completed.result?.payloads);
    calls.push({ tool: call.tool, taskId: call.request.taskId, input: call.request.input, output: output as ToolActivityOutput });
  }
  return { scheduled: [...scheduled.values()].map(({ tool, request }) => ({ tool, taskId: request.taskId, input: request.input })), completed: calls };
}

/** Every tool call run `workflowId` scheduled and completed, across its continue-as-new chain, oldest first. */
export async function readToolCalls(client: Client, workflowId: string): Promise<RunToolCalls> {
  const chain: RunToolCalls[] = [];
  let runId: string | undefined;
  for (let hop = 0; hop < MAX_CHAIN_RUNS; hop += 1) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    chain.unshift(await callsOf(client, events));
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) break;
  }
  return { scheduled: chain.flatMap((calls) => calls.scheduled), completed: chain.flatMap((calls) => calls.completed) };
}

/**
 * Every tool call run `workflowId` completed, across its continue-as-new chain (oldest execution first), decoded with
 * the client's data converter (so an encrypted run is read with the worker's keys). What tools answered from a
 * recording match against (docs/forks.md, "Tools from a recording").
 */
export async function readRecording(client: Client, workflowId: string): Promise<RecordedCall[]> {
  return (await readToolCalls(client, workflowId)).completed;
}

/** A value as canonical JSON: object keys sorted at every depth, so `{a, b}` and `{b, a}` match. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The recorded call a new call is answered by: the first with the same tool and the same input (as canonical JSON). */
export function matchRecordedCall(recording: readonly RecordedCall[], tool: string, input: unknown): RecordedCall | undefined {
  const key = canonicalJson(input);
  return recording.find((call) => call.tool === tool && canonicalJson(call.input) === key);
}

/** Recordings read lately, by workflow id: a run's calls ask for the same one many times. */
const cache = new Map<string, { at: number; calls: Promise<RecordedCall[]> }>();
/** How long a recording is kept (a run still going may record more calls meanwhile). */
const CACHE_MS = 30_000;
const CACHE_ENTRIES = 16;

/** {@link readRecording}, kept for {@link CACHE_MS} in this process. */
export function cachedRecording(client: Client, workflowId: string, now = Date.now()): Promise<RecordedCall[]> {
  const kept = cache.get(workflowId);
  if (kept && now - kept.at < CACHE_MS) return kept.calls;
  const calls = readRecording(client, workflowId);
  // A failed read is not kept: the next call tries again.
  calls.catch(() => cache.delete(workflowId));
  cache.delete(workflowId);
  cache.set(workflowId, { at: now, calls });
  while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return calls;
}

/**
 * A tool call's answer from its run's recording (`recordedTools`): the recorded output of the first completed call of
 * the same activity type with the same input, or undefined to run the tool live. With `unmatched: 'refuse'` a call the
 * recording lacks is refused (a non-retryable `ToolError` the model reads); a recorded run that does not exist too.
 */
export async function answerFromRecording(client: Client, recording: RecordedTools, activityType: string, input: unknown, attempt: number): Promise<ToolActivityOutput | undefined> {
  let calls: RecordedCall[];
  try {
    calls = await cachedRecording(client, recording.from);
  } catch (error) {
    // A history read of an unknown run fails with NOT_FOUND (not the client's WorkflowNotFoundError).
    if (!(error instanceof WorkflowNotFoundError) && grpcStatusOf(error) !== GRPC_STATUS.notFound) throw error;
    throw ApplicationFailure.create({ type: ERROR_TYPES.toolError, message: `the recorded run ${recording.from} does not exist in this namespace, so no call can be answered from it`, nonRetryable: true });
  }
  const match = matchRecordedCall(calls, activityType, input);
  if (match) return { ...match.output, attempt };
  if (recording.unmatched !== 'refuse') return undefined;
  throw ApplicationFailure.create({
    type: ERROR_TYPES.toolError,
    message: `refused: run ${recording.from} recorded no ${activityType} call with these arguments, and this run takes its tool results from that recording only`,
    nonRetryable: true,
  });
}
