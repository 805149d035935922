import type { ChatMessage } from '../contracts/chat-message';
import { FORK_SEED_MAX_BYTES, MAX_FORK_LINEAGE, type ForkPoint, type ForkSeed } from '../contracts/fork';
import { DEFAULT_MAX_CALLS_PER_ANSWER } from '../contracts/limits';
import type { AgentRunInput } from '../contracts/run-input';
import { compactTranscript, transcriptBytes } from '../core/transcript';
import { InvalidRunInputError } from './errors';
import type { AgentRunHandle } from './run-handle';

/** An answer that stands in for the model's at the fork's step: a final answer, or tool calls. */
export type ForkAnswer = string | { content?: string; toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> };

/** What a fork changes (docs/forks.md); everything else is the original run's. */
export interface ForkOptions {
  /** The step to fork at: the fork's transcript is what the model saw when the original planned it. */
  atStep: number;
  model?: string;
  systemPrompt?: string;
  planning?: AgentRunInput['planning'];
  /** The tools the fork may call (as `allowedTools`). */
  allowedTools?: string[];
  /** Other settings of the fork's run (budget, step cap, …). */
  input?: Partial<Omit<AgentRunInput, 'goal' | 'session' | 'startIdle'>>;
  /** The answer at `atStep` instead of asking the model. */
  answer?: ForkAnswer;
  /**
   * Tool results before `atStep` to replace, by call: the call id the run shows (`s2-1`: step 2, first call) or the
   * model's own call id.
   */
  toolResults?: Record<string, string>;
  /** A user message added after the transcript, before the step is planned. */
  message?: string;
  workflowId?: string;
  /** @default the original run's task queue (its workers have its tools) */
  taskQueue?: string;
}

/** How many executions of a continue-as-new chain a fork looks through for its step. */
const MAX_CHAIN_HOPS = 10_000;
/** How long one execution's worker has to answer where a step was planned (a closed one is replayed first). */
const FORK_POINT_TIMEOUT_MS = 30_000;

/** What a worker said of a step: found in one execution of the run's chain. */
interface FoundPoint {
  runId: string;
  point: ForkPoint & { found: NonNullable<ForkPoint['found']> };
  /** The latest execution's answer (for its input and lineage). */
  latest: ForkPoint;
}

/** Finds the execution of the chain that planned `step`, newest first (each one is asked by query). */
export async function findForkPoint(handle: AgentRunHandle, step: number): Promise<FoundPoint> {
  const { runId: latestRunId } = await handle.describe();
  let runId: string = latestRunId;
  const latest = await handle.forkPoint(step, { runId, timeoutMs: FORK_POINT_TIMEOUT_MS });
  let point = latest;
  for (let hop = 0; hop < MAX_CHAIN_HOPS; hop += 1) {
    if (point.found) return { runId, point: point as FoundPoint['point'], latest };
    if (runId === latestRunId && step > point.lastStep) {
      throw new InvalidRunInputError(`run ${handle.workflowId} has planned ${point.lastStep} step${point.lastStep === 1 ? '' : 's'} so far: fork at a step from 1 to ${point.lastStep}`);
    }
    if (!point.previousRunId) break;
    runId = point.previousRunId;
    point = await handle.forkPoint(step, { runId, timeoutMs: FORK_POINT_TIMEOUT_MS });
  }
  throw new InvalidRunInputError(`step ${step} of run ${handle.workflowId} was not planned by any of its executions (the oldest one starts at step ${point.firstStep}): fork at another step`);
}

/** The assistant message an answer stands for; its calls get ids of their own. */
export function givenAnswerMessage(answer: ForkAnswer, maxCalls: number): ChatMessage {
  if (typeof answer === 'string') {
    if (!answer.trim()) throw new InvalidRunInputError('invalid fork: the answer is empty; give the text of a final answer, or tool calls');
    return { role: 'assistant', content: answer };
  }
  if (answer.toolCalls.length === 0 && !answer.content?.trim()) throw new InvalidRunInputError('invalid fork: the answer has neither text nor tool calls');
  if (answer.toolCalls.length > maxCalls) throw new InvalidRunInputError(`invalid fork: the answer has ${answer.toolCalls.length} tool calls; at most ${maxCalls} per answer`);
  const toolCalls = answer.toolCalls.map((call, index) => {
    if (!call.name?.trim()) throw new InvalidRunInputError(`invalid fork: tool call ${index + 1} of the answer has no tool name`);
    return { id: `fork_call_${index + 1}`, name: call.name, arguments: JSON.stringify(call.arguments ?? {}) };
  });
  return { role: 'assistant', content: answer.content ?? '', ...(toolCalls.length ? { toolCalls } : {}) };
}

/** The model's call id a call id the run shows (`s2-1`) or the model's own stands for, read from step 2's answer. */
async function modelCallId(handle: AgentRunHandle, callId: string, messages: readonly ChatMessage[]): Promise<string> {
  const known = new Set(messages.flatMap((message) => (message.role === 'tool' && message.toolCallId ? [message.toolCallId] : [])));
  if (known.has(callId)) return callId;
  const shown = /^s(\d+)-(\d+)$/.exec(callId);
  if (shown) {
    const { point } = await findForkPoint(handle, Number(shown[1]));
    const id = point.found.answer?.toolCalls?.[Number(shown[2]) - 1]?.id;
    if (id && known.has(id)) return id;
  }
  throw new InvalidRunInputError(`invalid fork: no result of call ${callId} is in the transcript before the fork's step; name a call of an earlier step (s2-1: step 2, first call)`);
}

/** Replaces a system prompt, tool results, and adds a message: the transcript the fork starts from. */
async function editedTranscript(handle: AgentRunHandle, messages: readonly ChatMessage[], options: ForkOptions): Promise<ChatMessage[]> {
  const edited = messages.map((message) => ({ ...message }));
  if (options.systemPrompt !== undefined && edited[0]?.role === 'system') edited[0].content = options.systemPrompt;
  for (const [callId, content] of Object.entries(options.toolResults ?? {})) {
    const id = await modelCallId(handle, callId, edited);
    for (const message of edited) if (message.role === 'tool' && message.toolCallId === id) message.content = content;
  }
  if (options.message !== undefined) {
    if (!options.message.trim()) throw new InvalidRunInputError('invalid fork: the added message is empty');
    edited.push({ role: 'user', content: options.message });
  }
  // A workflow's input is one payload: a longer transcript is compacted as continue-as-new compacts one.
  return transcriptBytes(edited) > FORK_SEED_MAX_BYTES ? compactTranscript(edited, Number.MAX_SAFE_INTEGER, 0, FORK_SEED_MAX_BYTES).messages : edited;
}

/** The fork's run input and seed, from the original's step (read through its workers' queries). */
export async function prepareFork(handle: AgentRunHandle, options: ForkOptions, url: string | undefined): Promise<{ input: AgentRunInput; fork: ForkSeed }> {
  if (!Number.isInteger(options.atStep) || options.atStep < 1) throw new InvalidRunInputError(`invalid fork: the step must be a whole number from 1 (got ${options.atStep})`);
  const { runId, point, latest } = await findForkPoint(handle, options.atStep);
  // A fork of a session is one run that goes on with the turn of that step.
  const { session: _session, startIdle: _startIdle, idleTimeoutMs: _idle, ...original } = latest.input;
  const input: AgentRunInput = {
    ...original,
    ...options.input,
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.systemPrompt !== undefined ? { systemPrompt: options.systemPrompt } : {}),
    ...(options.planning !== undefined ? { planning: options.planning } : {}),
    ...(options.allowedTools !== undefined ? { allowedTools: options.allowedTools } : {}),
  };
  const maxCalls = input.maxCallsPerAnswer ?? DEFAULT_MAX_CALLS_PER_ANSWER;
  const answer = options.answer !== undefined ? givenAnswerMessage(options.answer, maxCalls) : undefined;
  const messages = await editedTranscript(handle, point.found.messages, options);
  const lineage = [handle.workflowId, ...(latest.fork?.lineage ?? [])].slice(0, MAX_FORK_LINEAGE);
  return {
    input,
    fork: { workflowId: handle.workflowId, runId, atStep: options.atStep, ...(url ? { url } : {}), lineage, seed: { messages, ...(answer ? { answer } : {}) } },
  };
}
