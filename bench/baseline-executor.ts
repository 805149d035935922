import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { actionFromMessage, callsOf } from '../src/core/actions';
import type { TaskResult } from '../src/core/model';
import { summarize } from '../src/core/summarize';
import type { Tool } from '../src/tools/define-tool';

/**
 * The seed article's design, as a baseline: an in-process executor with no Temporal and no durability.
 * plan (the same openai client and scripted model) → tasks → a semaphore and a per-task timeout → summarize → loop.
 */
export async function runPlainExecutor(options: {
  baseURL: string;
  goal: string;
  tools: readonly Tool[];
  maxSteps: number;
  maxParallel: number;
}): Promise<{ stepDurationsMs: number[]; answer: string }> {
  const openai = new OpenAI({ apiKey: 'bench', baseURL: options.baseURL, maxRetries: 0 });
  const byName = new Map(options.tools.map((tool) => [tool.spec.name, tool]));
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'baseline' },
    { role: 'user', content: options.goal },
  ];
  const tools = options.tools.map((tool) => ({
    type: 'function' as const,
    function: { name: tool.spec.name, description: tool.spec.description, parameters: tool.spec.inputSchema },
  }));
  const stepDurationsMs: number[] = [];
  let permits = options.maxParallel;
  const waiting: Array<() => void> = [];
  const acquire = () => (permits > 0 ? (permits -= 1, Promise.resolve()) : new Promise<void>((resolve) => waiting.push(resolve)));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else permits += 1;
  };

  for (let step = 1; step <= options.maxSteps; step += 1) {
    const stepStarted = performance.now();
    const completion = await openai.chat.completions.create({ model: 'scripted', messages, tools });
    const message = completion.choices[0]?.message;
    const toolCalls = (message?.tool_calls ?? []).flatMap((call) => (call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : []));
    const action = actionFromMessage({ role: 'assistant', content: message?.content ?? '', toolCalls });
    if (action.type === 'final') {
      stepDurationsMs.push(performance.now() - stepStarted);
      return { stepDurationsMs, answer: action.answer };
    }
    messages.push({ role: 'assistant', content: null, tool_calls: toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) });
    const results = await Promise.all(
      callsOf(action).map(async (call, index): Promise<TaskResult> => {
        const tool = byName.get(call.tool);
        const id = `s${step}-${index + 1}`;
        if (!tool) return { id, callId: call.id, tool: call.tool, ok: false, error: { type: 'ToolUnknown', message: call.tool }, durationMs: 0 };
        await acquire();
        const started = performance.now();
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), tool.spec.timeoutMs);
        try {
          const checked = tool.validate(call.input);
          if (!checked.ok) throw new Error(checked.problems);
          const output = await tool.run(checked.value, {
            signal: controller.signal,
            heartbeat: () => undefined,
            idempotencyKey: id,
            attempt: 1,
            workflowId: 'baseline',
            log: { info: () => undefined, warn: () => undefined },
          });
          return { id, callId: call.id, tool: call.tool, ok: true, output, durationMs: performance.now() - started };
        } catch (error) {
          return { id, callId: call.id, tool: call.tool, ok: false, error: { type: 'ToolFailed', message: String(error) }, durationMs: performance.now() - started };
        } finally {
          clearTimeout(timer);
          release();
        }
      }),
    );
    const observation = summarize(results, 2_000);
    for (const entry of observation.results) messages.push({ role: 'tool', tool_call_id: entry.callId, content: entry.preview });
    messages.push({ role: 'user', content: `Observation: ${observation.summary}` });
    stepDurationsMs.push(performance.now() - stepStarted);
  }
  return { stepDurationsMs, answer: 'Stopped: max steps reached' };
}
