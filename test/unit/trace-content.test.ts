import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Info } from '@temporalio/activity';
import type { ChatMessage } from '../../src/contracts/chat-message';
import { modelCallSpan, recordModelAnswer, recordModelPrompt, recordToolResult, toolCallSpan } from '../../src/observability/gen-ai-spans';
import {
  boundedJson,
  boundedText,
  CAPTURE_CONTENT_VARIABLE,
  configureContentCapture,
  ContentCapture,
  contentCaptureDecision,
  inputContentAttributes,
  MAX_CONTENT_ATTRIBUTE_BYTES,
  outputContentAttributes,
  toolArgumentsAttributes,
  toolResultAttributes,
} from '../../src/observability/trace-content';

const bytes = (text: string) => Buffer.byteLength(text);
const omitted = (text: string) => Number(/\[… (\d+) bytes omitted …\]/.exec(text)?.[1]);

describe('the content switch', () => {
  it('is off unless the variable says true; anything but true or false is a configuration error naming it', () => {
    expect(contentCaptureDecision({}, false)).toEqual({ capture: false });
    expect(contentCaptureDecision({ [CAPTURE_CONTENT_VARIABLE]: '  ' }, false)).toEqual({ capture: false });
    expect(contentCaptureDecision({ [CAPTURE_CONTENT_VARIABLE]: 'false' }, false)).toEqual({ capture: false });
    expect(contentCaptureDecision({ [CAPTURE_CONTENT_VARIABLE]: 'true' }, false)).toEqual({ capture: true });
    expect(contentCaptureDecision({ [CAPTURE_CONTENT_VARIABLE]: ' TRUE ' }, false)).toEqual({ capture: true });
    for (const value of ['1', 'yes', 'SPAN_ONLY']) {
      let thrown: unknown;
      try {
        contentCaptureDecision({ [CAPTURE_CONTENT_VARIABLE]: value }, false);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ name: 'ConfigurationError', message: `Expected \`${CAPTURE_CONTENT_VARIABLE}\` to be \`true\` or \`false\` (unset: false), got \`${value}\`` });
    }
  });

  it('stays off with encryption, with a warning; the process warns once and an encrypting worker keeps it off', () => {
    const on = { [CAPTURE_CONTENT_VARIABLE]: 'true' };
    const refused = contentCaptureDecision(on, true);
    expect(refused.capture).toBe(false);
    expect(refused.warning).toMatch(/^Warning: OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true is ignored.*encrypts payloads.*unset the variable/);
    // Not asked: nothing to warn of, encrypted or not.
    expect(contentCaptureDecision({}, true)).toEqual({ capture: false });

    const capture = new ContentCapture();
    expect(capture.capturing).toBe(false);
    expect(capture.configure(on, false)).toBeUndefined();
    expect(capture.capturing).toBe(true);
    expect(capture.configure(on, true)).toBe(refused.warning);
    expect(capture.capturing).toBe(false);
    expect(capture.configure(on, true)).toBeUndefined();
    // A second, unencrypted worker of the same process does not turn it back on: its spans share the exporter.
    expect(capture.configure(on, false)).toBeUndefined();
    expect(capture.capturing).toBe(false);
  });
});

describe('the conventions\' shapes', () => {
  const transcript: ChatMessage[] = [
    { role: 'system', content: 'You are careful.' },
    { role: 'user', content: 'Count the files.' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'list_dir', arguments: '{"path":"."}' }, { id: 'call_2', name: 'broken', arguments: '{not json' }] },
    { role: 'tool', toolCallId: 'call_1', content: 'a.txt\nb.txt' },
    { role: 'system', content: 'Step 2 of 10.' },
  ];

  it('input: the system prompt as instructions, the rest as role + parts, tool calls and responses as parts', () => {
    const attributes = inputContentAttributes(transcript);
    expect(JSON.parse(attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'You are careful.' }]);
    expect(JSON.parse(attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Count the files.' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'call_1', name: 'list_dir', arguments: { path: '.' } },
          { type: 'tool_call', id: 'call_2', name: 'broken', arguments: '{not json' },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'a.txt\nb.txt' }] },
      { role: 'system', parts: [{ type: 'text', content: 'Step 2 of 10.' }] },
    ]);
    // No system prompt: no instructions attribute.
    expect(inputContentAttributes(transcript.slice(1))).not.toHaveProperty('gen_ai.system_instructions');
  });

  it('output: one assistant message with its finish reason in the conventions\' words', () => {
    const calls = outputContentAttributes({ role: 'assistant', content: 'Listing.', toolCalls: [{ id: 'c', name: 'list_dir', arguments: '{}' }] }, 'tool_calls');
    expect(JSON.parse(calls['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Listing.' }, { type: 'tool_call', id: 'c', name: 'list_dir', arguments: {} }], finish_reason: 'tool_call' },
    ]);
    const answer = outputContentAttributes({ role: 'assistant', content: 'Two files.' }, null);
    expect(JSON.parse(answer['gen_ai.output.messages'] as string)).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'Two files.' }], finish_reason: 'stop' }]);
    const cut = JSON.parse(outputContentAttributes({ role: 'assistant', content: 'Cut' }, 'length')['gen_ai.output.messages'] as string) as Array<{ finish_reason: string }>;
    expect(cut[0]?.finish_reason).toBe('length');
  });

  it('tools: arguments as JSON; a string result as it is, anything else as JSON', () => {
    expect(toolArgumentsAttributes({ path: '.', depth: 2 })).toEqual({ 'gen_ai.tool.call.arguments': '{"path":".","depth":2}' });
    expect(toolResultAttributes('plain text')).toEqual({ 'gen_ai.tool.call.result': 'plain text' });
    expect(toolResultAttributes({ files: 2 })).toEqual({ 'gen_ai.tool.call.result': '{"files":2}' });
    expect(toolResultAttributes(undefined)).toEqual({ 'gen_ai.tool.call.result': 'null' });
    expect(toolResultAttributes({ big: 10n })['gen_ai.tool.call.result']).toMatch(/^\[not serializable as JSON: .*BigInt/);
  });
});

describe('bounds', () => {
  it('a text over the bound keeps its head and tail, and the marker says exactly how much was cut', () => {
    expect(boundedText('short')).toBe('short');
    const text = `HEAD${'é'.repeat(200_000)}TAIL`;
    const cut = boundedText(text);
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_CONTENT_ATTRIBUTE_BYTES);
    expect(bytes(cut)).toBeGreaterThan(MAX_CONTENT_ATTRIBUTE_BYTES - 200);
    expect(cut.startsWith('HEAD')).toBe(true);
    expect(cut.endsWith('TAIL')).toBe(true);
    const kept = cut.replace(/\n\[… \d+ bytes omitted …\]\n/, '');
    expect(omitted(cut)).toBe(bytes(text) - bytes(kept));
  });

  it('a large string inside a structure is cut where it is: the attribute stays JSON, and small fields stay whole', () => {
    const big = 'x'.repeat(1_000_000);
    const json = boundedJson([{ role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_9', response: big }] }]);
    expect(bytes(json)).toBeLessThanOrEqual(MAX_CONTENT_ATTRIBUTE_BYTES);
    const parsed = JSON.parse(json) as Array<{ parts: Array<{ id: string; response: string }> }>;
    expect(parsed[0]?.parts[0]?.id).toBe('call_9');
    const response = parsed[0]?.parts[0]?.response ?? '';
    expect(omitted(response)).toBe(big.length - response.replace(/\n\[… \d+ bytes omitted …\]\n/, '').length);
  });

  it('a transcript of many short messages is cut as text: head and tail kept, the marker in between, within the bound', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'prompt' },
      { role: 'user', content: 'FIRST GOAL' },
      ...Array.from({ length: 2_000 }, (_, index): ChatMessage => ({ role: 'assistant', content: `step ${index}` })),
      { role: 'user', content: 'LAST WORDS' },
    ];
    const input = inputContentAttributes(messages)['gen_ai.input.messages'] as string;
    expect(bytes(input)).toBeLessThanOrEqual(MAX_CONTENT_ATTRIBUTE_BYTES);
    expect(input).toContain('FIRST GOAL');
    expect(input).toContain('LAST WORDS');
    expect(omitted(input)).toBeGreaterThan(50_000);
  });

  it('every attribute is bounded, whatever the size', () => {
    const huge = 'y'.repeat(300_000);
    const all = {
      ...inputContentAttributes([{ role: 'system', content: huge }, { role: 'user', content: huge }]),
      ...outputContentAttributes({ role: 'assistant', content: huge, toolCalls: [{ id: 'c', name: 't', arguments: JSON.stringify({ huge }) }] }, 'stop'),
      ...toolArgumentsAttributes({ huge }),
      ...toolResultAttributes(huge),
    };
    expect(Object.keys(all)).toHaveLength(5);
    for (const value of Object.values(all)) {
      expect(bytes(value as string)).toBeLessThanOrEqual(MAX_CONTENT_ATTRIBUTE_BYTES);
      expect(value).toMatch(/\[… \d+ bytes omitted …\]/);
    }
  });
});

describe('the GenAI spans', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const info = { workflowExecution: { workflowId: 'wf', runId: 'run' }, attempt: 1 } as Info;
  const prompt: ChatMessage[] = [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'the goal' }];

  beforeAll(() => trace.setGlobalTracerProvider(provider));
  afterAll(async () => {
    trace.disable();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  async function callBoth(): Promise<Record<string, unknown>> {
    await modelCallSpan(info, 1, async (span) => {
      recordModelPrompt(span, prompt);
      recordModelAnswer(span, { requestModel: 'm', inputTokens: 1, outputTokens: 1, toolCalls: 0, finishReason: 'stop', output: { role: 'assistant', content: 'the answer' } });
    });
    await toolCallSpan(info, 'effect', 's1-1', { name: 'the argument' }, async (span) => recordToolResult(span, { done: 'the result' }));
    return Object.assign({}, ...exporter.getFinishedSpans().map((span) => span.attributes)) as Record<string, unknown>;
  }

  it('carry content only while the process captures it', async () => {
    configureContentCapture({}, false);
    const off = await callBoth();
    expect(off).toMatchObject({ 'gen_ai.request.model': 'm', 'gen_ai.tool.call.id': 's1-1' });
    expect(JSON.stringify(off)).not.toMatch(/the goal|be brief|the answer|the argument|the result/);

    configureContentCapture({ [CAPTURE_CONTENT_VARIABLE]: 'true' }, false);
    const on = await callBoth();
    expect(on['gen_ai.system_instructions']).toContain('be brief');
    expect(on['gen_ai.input.messages']).toContain('the goal');
    expect(on['gen_ai.output.messages']).toContain('the answer');
    expect(on['gen_ai.tool.call.arguments']).toBe('{"name":"the argument"}');
    expect(on['gen_ai.tool.call.result']).toBe('{"done":"the result"}');
  });
});
