import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { Info } from '@temporalio/activity';
import type { ChatMessage } from '../contracts/chat-message';
import { capturesContent, inputContentAttributes, outputContentAttributes, toolArgumentsAttributes, toolResultAttributes } from './trace-content';

/**
 * Spans of model and tool calls, named and attributed as the OpenTelemetry GenAI semantic conventions say
 * (docs/observability.md, "Traces"): `chat <model>` and `execute_tool <tool>`, children of the activity's own span.
 * With no tracer provider registered (tracing off) they cost nothing: the API's tracer is a no-op. Prompts, answers, tool
 * arguments and results are recorded only when the worker opted in (src/observability/trace-content.ts).
 */
const tracer = () => trace.getTracer('durable-agent');

/** What every span of an activity says of where it runs: the run, the activity and its attempt. */
function activityAttributes(info: Info, step?: number): Attributes {
  return {
    'temporal.workflow_id': info.workflowExecution?.workflowId ?? '',
    'temporal.run_id': info.workflowExecution?.runId ?? '',
    'temporal.activity.attempt': info.attempt,
    ...(step !== undefined ? { 'durable_agent.step': step } : {}),
  };
}

/** The error type a failure carries (an ApplicationFailure's `type`), else its class name. */
function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { type?: unknown }).type === 'string') return (error as { type: string }).type;
  return error instanceof Error ? error.name : 'Error';
}

async function inSpan<T>(name: string, kind: SpanKind, attributes: Attributes, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await run(span);
    } catch (error) {
      span.setAttribute('error.type', errorType(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Whether `span` gets content: the worker captures it and the span is recorded (with tracing off, nothing is serialized). */
const capturing = (span: Span): boolean => capturesContent() && span.isRecording();

/** A model call: `chat <model>` (the name is set again once the model is known). */
export function modelCallSpan<T>(info: Info, step: number, run: (span: Span) => Promise<T>): Promise<T> {
  return inSpan('chat', SpanKind.CLIENT, { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.system': 'openai', ...activityAttributes(info, step) }, run);
}

/** What the model is shown, on its call's span when the worker captures content: the system prompt and the transcript. */
export function recordModelPrompt(span: Span, messages: readonly ChatMessage[]): void {
  if (capturing(span)) span.setAttributes(inputContentAttributes(messages));
}

/** What a model call's span learns once the model answered; the answer itself (`output`) only when the worker captures content. */
export function recordModelAnswer(
  span: Span,
  answer: { requestModel: string; responseModel?: string; inputTokens: number; outputTokens: number; finishReason?: string | null; toolCalls: number; costUsd?: number; output?: ChatMessage },
): void {
  span.updateName(`chat ${answer.requestModel}`);
  span.setAttributes({
    'gen_ai.request.model': answer.requestModel,
    ...(answer.responseModel ? { 'gen_ai.response.model': answer.responseModel } : {}),
    'gen_ai.usage.input_tokens': answer.inputTokens,
    'gen_ai.usage.output_tokens': answer.outputTokens,
    ...(answer.finishReason ? { 'gen_ai.response.finish_reasons': [answer.finishReason] } : {}),
    'durable_agent.tool_calls': answer.toolCalls,
    ...(answer.costUsd !== undefined ? { 'durable_agent.cost_usd': answer.costUsd } : {}),
  });
  if (answer.output && capturing(span)) span.setAttributes(outputContentAttributes(answer.output, answer.finishReason));
}

/** A tool call: `execute_tool <tool>`, with the call id; its arguments (`input`) only when the worker captures content. */
export function toolCallSpan<T>(info: Info, tool: string, callId: string, input: unknown, run: (span: Span) => Promise<T>): Promise<T> {
  return inSpan(`execute_tool ${tool}`, SpanKind.INTERNAL, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool, 'gen_ai.tool.call.id': callId, ...activityAttributes(info) }, (span) => {
    if (capturing(span)) span.setAttributes(toolArgumentsAttributes(input));
    return run(span);
  });
}

/** What the tool returned, on its call's span when the worker captures content. */
export function recordToolResult(span: Span, output: unknown): void {
  if (capturing(span)) span.setAttributes(toolResultAttributes(output));
}
