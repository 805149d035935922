import { createHash, randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import type OpenAI from 'openai';
import type { Span } from '@opentelemetry/api';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { ERROR_TYPES } from '../../contracts/error-types';
import type { ChatMessage } from '../../contracts/chat-message';
import type { PlanHandoff, PlanRequest, PlanResult, ReceivedPlanRequest } from '../../contracts/planner-io';
import type { PromptSeen } from '../../contracts/agent-state';
import type { ToolSpec } from '../../contracts/tool-spec';
import { limitToolCalls } from '../../core/actions';
import { costOf, DEFAULT_MODEL_PRICES, type ModelPrices } from '../../contracts/pricing';
import { DEFAULT_MAX_CALLS_PER_ANSWER, MAX_ANSWER_BYTES, PLANNER_MAX_RETRY_AFTER_MS, PLANNER_PARKED_CALL_MS } from '../../contracts/limits';
import { classifyModelError, redact, rejectedParameters } from './classify-model-error';
import { estimateUsage } from './estimate-usage';
import { modelCallSpan, recordModelAnswer, recordModelPrompt } from '../../observability/gen-ai-spans';
import { HeartbeatText } from './heartbeat-text';
import { streamCompletion, type OnProgress } from './stream-completion';
import { ModelCall, ParkedCalls } from './model-call';
import { readPlanRequest } from './plan-request';
import { createWorkflowContextReader, type ReadContext } from './context-reader';

export interface PlannerDependencies {
  /** An `openai` client; its own retries must be off (`maxRetries: 0`): Temporal retries. */
  openai: OpenAI;
  /** Model used when the run's input names none. */
  defaultModel: string;
  /** The API key, only to scrub it from error messages. */
  apiKey?: string;
  /** Reads the transcript for a request. @default {@link createWorkflowContextReader}: the worker's cache, or a query to the run */
  readContext?: (request: PlanRequest) => Promise<ReadContext>;
  /** @default PLANNER_MAX_RETRY_AFTER_MS */
  maxRetryAfterMs?: number;
  /** @default 5_000 */
  heartbeatIntervalMs?: number;
  /** Largest answer returned, in bytes of JSON. @default MAX_ANSWER_BYTES */
  maxAnswerBytes?: number;
  /** Model prices, to report each call's cost (for `budget.maxCostUsd`). @default DEFAULT_MODEL_PRICES */
  prices?: ModelPrices;
  /** Ask for the answer as a stream and heartbeat its text so far (docs/streaming.md). @default true */
  stream?: boolean;
  /** With `stream`: longest silence in the middle of an answer before the call is a timeout. @default 110_000 */
  streamIdleTimeoutMs?: number;
  /** Merged into every request that offers tools (a forced `tool_choice`, a provider's own options). @default none */
  extraBody?: Record<string, unknown>;
  /**
   * How long a local call the run allows to hand over (`handoffAfterMs` in its request) waits for the answer on this
   * worker before it does, in ms. The workflow only says whether a call may hand over; when is the worker's to choose.
   * @default the request's (PLANNER_HANDOFF_MS)
   */
  handoffAfterMs?: number;
}

/** What the model was shown: message count, a short hash of the messages, the number of tools offered. */
export function promptSeen(messages: readonly ChatMessage[], tools: number, read?: PromptSeen['read']): PromptSeen {
  const transcriptHash = createHash('sha256').update(JSON.stringify(messages)).digest('hex').slice(0, 16);
  return { messageCount: messages.length, transcriptHash, tools, ...(read ? { read } : {}) };
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
    case 'assistant':
      return {
        role: 'assistant',
        // Always a string, '' with tool calls and no text: the OpenAI API takes it, and llama-cpp-python refuses both
        // `null` (a 500 naming the validation) and no `content` at all (a 500 from its chat template): docs/providers.md.
        content: message.content,
        ...(message.toolCalls?.length
          ? {
              tool_calls: message.toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : {}),
      };
  }
}

function toOpenAITool(spec: ToolSpec): ChatCompletionTool {
  return { type: 'function', function: { name: spec.name, description: spec.description, parameters: spec.inputSchema } };
}

/**
 * The parts of a chat completion the planner uses, checked before use: a provider (or a broken proxy) can
 * answer anything, and a wrong shape must become a typed error, never a crash.
 */
const CompletionSchema = z.looseObject({
  model: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.looseObject({
                id: z.string().optional(),
                type: z.string().optional(),
                // Some OpenAI-compatible servers send the arguments as a JSON object rather than its text (docs/providers.md).
                function: z.looseObject({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish() }),
              }),
            )
            .nullish(),
        }),
      }),
    )
    .min(1, 'the answer has no choices'),
  usage: z.looseObject({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).nullish(),
});

function malformed(detail: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ERROR_TYPES.modelMalformedOutput,
    message: `the model's answer is not a usable chat completion (${detail})`,
    nonRetryable: true,
  });
}

/** The `plan` activity: reads the transcript, asks the model, returns its answer and token usage. */
export function createPlannerActivities(dependencies: PlannerDependencies) {
  const readContext = dependencies.readContext ?? createWorkflowContextReader();
  const maxRetryAfterMs = dependencies.maxRetryAfterMs ?? PLANNER_MAX_RETRY_AFTER_MS;
  const keepAliveMs = dependencies.heartbeatIntervalMs ?? 5_000;
  const maxAnswerBytes = dependencies.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  /** Optional parameters this worker's model server refused with a 400: not sent again (docs/providers.md). */
  const refused = new Set<string>();
  /** Model calls this worker's local activities handed over, until the run's `plan` activity takes them. */
  const parked = new ParkedCalls(PLANNER_PARKED_CALL_MS);

  return {
    async plan(received: ReceivedPlanRequest): Promise<PlanResult | PlanHandoff> {
      const activity = Context.current();
      const request = readPlanRequest(received);
      // The model call's span (docs/observability.md): `chat <model>`, its tokens and finish reason; the prompt and answer only when the worker captures content.
      return modelCallSpan(activity.info, request.step, (span) => planOnce(activity, request, span));
    },
  };

  /**
   * Starts the model call of a request: reads what the model is shown, then asks (streamed unless the worker turned
   * streaming off; a local call is streamed only when it may be handed over, so its text can be heartbeated after).
   * Optional parameters a server refuses are dropped and the request asked again (docs/providers.md).
   */
  async function startCall(activity: Context, request: PlanRequest, span: Span): Promise<ModelCall> {
    const context = await readContext(request);
    recordModelPrompt(span, context.messages);
    const model = request.model ?? context.model ?? dependencies.defaultModel;
    const tools = request.finalTurn ? [] : context.tools;
    const streamed = dependencies.stream !== false && (!activity.info.isLocal || request.handoffAfterMs !== undefined);
    // `parallel_tool_calls` (unless the extra body sets it) and `stream_options` are optional: a server that refuses one
    // is asked again without it, at once, and this worker does not send it again (docs/providers.md).
    const skip = new Set(refused);
    const ask = (signal: AbortSignal, onProgress: OnProgress) => {
      const parallel = tools.length > 0 && !skip.has('parallel_tool_calls') ? { parallel_tool_calls: true } : {};
      const body = { model, messages: context.messages.map(toOpenAIMessage), ...(tools.length > 0 ? { tools: tools.map(toOpenAITool), ...parallel, ...dependencies.extraBody } : {}) };
      return streamed
        ? streamCompletion(dependencies.openai, body, { signal, idleTimeoutMs: dependencies.streamIdleTimeoutMs ?? 110_000, onProgress, includeUsage: !skip.has('stream_options') })
        : dependencies.openai.chat.completions.create(body, { signal, maxRetries: 0 });
    };
    const optional = [...(tools.length > 0 && dependencies.extraBody?.parallel_tool_calls === undefined ? ['parallel_tool_calls'] : []), ...(streamed ? ['stream_options'] : [])];
    const askUntilTaken = async (signal: AbortSignal, onProgress: OnProgress) => {
      let suspects: string[] = [];
      for (;;) {
        try {
          const completion = await ask(signal, onProgress);
          suspects.forEach((param) => refused.add(param));
          return completion;
        } catch (error) {
          const rejected = rejectedParameters(error, optional.filter((name) => !skip.has(name)));
          if (rejected.params.length === 0) throw error;
          rejected.params.forEach((param) => skip.add(param));
          // Named ones are remembered at once; unnamed suspects only if the answer then comes without them.
          if (rejected.named) rejected.params.forEach((param) => refused.add(param));
          else suspects = rejected.params;
          const said = redact(error instanceof Error ? error.message : String(error), dependencies.apiKey);
          activity.log.warn(`the model server refused ${rejected.named ? '' : 'the request, perhaps for '}${rejected.params.join(', ')} (${said}); asking again without it`);
        }
      }
    };
    return new ModelCall(context, model, tools, streamed, askUntilTaken);
  }

  async function planOnce(activity: Context, request: PlanRequest, span: Span): Promise<PlanResult | PlanHandoff> {
    // A call handed over by this worker's local activity goes on where it is; on another worker it is asked anew.
    const call = (request.resume ? parked.take(request.resume) : undefined) ?? (await startCall(activity, request, span));
    // A local activity has no heartbeat (the workflow task's own heartbeat keeps it alive), so nothing to stream to.
    const live = activity.info.isLocal ? undefined : new HeartbeatText(activity, request.step, call.streamed, keepAliveMs, call.written);
    if (live) call.listen((progress) => live.update(progress.text, progress.calls));
    const unfollow = call.follow(activity.cancellationSignal);
    let completion;
    try {
      const handoffAfterMs = request.handoffAfterMs === undefined ? undefined : (dependencies.handoffAfterMs ?? request.handoffAfterMs);
      if (activity.info.isLocal && handoffAfterMs !== undefined && !(await call.endsWithin(handoffAfterMs))) {
        const key = `${request.workflowId}/${request.runId}/${request.step}/${randomUUID()}`;
        parked.park(key, call);
        return { handoff: { key } };
      }
      completion = await call.answer;
    } catch (error) {
      throw classifyModelError(error, { maxRetryAfterMs, apiKey: dependencies.apiKey });
    } finally {
      unfollow();
      live?.stop();
    }
    const { context, tools, model } = call;
    const parsed = CompletionSchema.safeParse(completion);
    if (!parsed.success) {
      throw malformed(parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || 'answer'}: ${issue.message}`).join('; '));
    }
    const answer = parsed.data;
    const message = answer.choices[0]?.message;
    if (!message) throw malformed('no message');
    // The one cut to the call limit (and the one place call ids are made unique): before the answer is measured
    // and recorded, so calls past `maxCalls` never enter history. The workflow records the answer as it is.
    const limited = limitToolCalls(
      (message.tool_calls ?? []).map((call, index) => ({
        id: call.id ?? `call_${request.step}_${index + 1}`,
        name: call.function.name,
        arguments: typeof call.function.arguments === 'object' && call.function.arguments !== null ? JSON.stringify(call.function.arguments) : (call.function.arguments ?? ''),
      })),
      request.maxCalls ?? DEFAULT_MAX_CALLS_PER_ANSWER,
    );
    // A server that reports no usage (some do not in streams: docs/providers.md) gets an estimate, so budgets still move.
    const reported = answer.usage?.prompt_tokens !== undefined || answer.usage?.completion_tokens !== undefined;
    const tokens = reported
      ? { inputTokens: answer.usage?.prompt_tokens ?? 0, outputTokens: answer.usage?.completion_tokens ?? 0 }
      : estimateUsage(context.messages, tools, { content: message.content ?? '', calls: limited.calls });
    const costUsd = costOf(tokens, answer.model || model, dependencies.prices ?? DEFAULT_MODEL_PRICES) ?? costOf(tokens, model, dependencies.prices ?? DEFAULT_MODEL_PRICES);
    const usage = { ...tokens, ...(costUsd !== undefined ? { costUsd } : {}) };
    const result: PlanResult = {
      message: {
        role: 'assistant',
        content: message.content ?? '',
        ...(limited.calls.length ? { toolCalls: limited.calls } : {}),
      },
      usage,
      model: answer.model || model,
      ...(limited.dropped ? { droppedCalls: limited.dropped } : {}),
      seen: promptSeen(context.messages, tools.length, context.read),
    };
    const answerBytes = Buffer.byteLength(JSON.stringify(result.message));
    if (answerBytes > maxAnswerBytes) {
      // Returned, it would exceed what the server records (the completion is lost and the call retried
      // until the timeout); the same prompt would do it again, so fail once, with the tokens it cost.
      throw ApplicationFailure.create({
        type: ERROR_TYPES.modelAnswerTooLarge,
        message: `the model's answer is ${answerBytes} bytes, more than the ${maxAnswerBytes} bytes a run records; ask for smaller tool arguments or fewer calls`,
        nonRetryable: true,
        details: [{ usage }],
      });
    }
    const finish = (answer.choices[0] as { finish_reason?: unknown } | undefined)?.finish_reason;
    recordModelAnswer(span, {
      requestModel: model,
      responseModel: result.model,
      ...tokens,
      finishReason: typeof finish === 'string' ? finish : null,
      toolCalls: limited.calls.length,
      ...(costUsd !== undefined ? { costUsd } : {}),
      output: result.message,
    });
    return result;
  }
}
