import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient } from '../../src/config/connect';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { CAPTURE_CONTENT_VARIABLE } from '../../src/observability/trace-content';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { configFor, newMarkers, testKeyList, testKeys } from '../helpers/encryption';
import { startWorkerProcess, waitForExit } from '../helpers/fault-worker';
import { startOtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';

/** Attributes that carry content (docs/observability.md, "Traces"). */
const CONTENT_ATTRIBUTES = ['gen_ai.system_instructions', 'gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result'];

interface TracedRun {
  spans: ReceivedSpan[];
  markers: Record<'goal' | 'tool' | 'answer', string>;
  /** What the worker wrote to stderr. */
  stderr: string;
}

/**
 * One run (a tool call, then an answer) on a worker process of its own, traced to a loopback OTLP receiver: the
 * worker's environment has `capture` as the content variable (absent: unset) and, with `encrypted`, a payload key.
 */
async function tracedRun(label: string, options: { capture?: string; encrypted?: boolean }): Promise<TracedRun> {
  const markers = newMarkers(label, ['goal', 'tool', 'answer'] as const);
  const receiver = await startOtlpReceiver();
  const folder = mkdtempSync(join(tmpdir(), `durable-agent-${label}-`));
  const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'effect', arguments: { name: markers.tool, ms: 10 } }] }, { content: markers.answer }] }));
  const taskQueue = uniqueTaskQueue(label);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'trace-content-test',
    TEMPORAL_ADDRESS: testConfig().address,
    FAULT_TASK_QUEUE: taskQueue,
    FAULT_MODEL_URL: model.baseURL,
    FAULT_EFFECTS_LOG: join(folder, 'effects.log'),
    ...(options.encrypted ? { DURABLE_AGENT_ENCRYPTION_KEYS: testKeyList('test-k1') } : {}),
  };
  delete env[CAPTURE_CONTENT_VARIABLE];
  if (options.capture !== undefined) env[CAPTURE_CONTENT_VARIABLE] = options.capture;
  const client = await connectClient(configFor(testConfig().address, options.encrypted ? testKeys('test-k1') : undefined));
  const worker = startWorkerProcess(env);
  let stderr = '';
  worker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: `Please ${markers.goal}` }] });
    const result = (await handle.result()) as AgentRunResult;
    expect(result.status).toBe('final');
    // A clean stop flushes the worker's spans.
    worker.kill('SIGINT');
    await waitForExit(worker);
    const spans = [...receiver.spans];
    // The run was traced: without its GenAI spans, an absence of content would prove nothing.
    expect(spans.filter((span) => span.name === 'chat scripted')).toHaveLength(2);
    expect(spans.filter((span) => span.name === 'execute_tool effect')).toHaveLength(1);
    return { spans, markers, stderr };
  } finally {
    if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await client.connection.close();
    await model.close();
    await receiver.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The content attributes any span carries, and whether any attribute holds a marker. */
function contentOf(run: TracedRun): { attributes: string[]; leaks: string[] } {
  const attributes = run.spans.flatMap((span) => Object.keys(span.attributes).filter((key) => CONTENT_ATTRIBUTES.includes(key)));
  const everything = JSON.stringify(run.spans.map((span) => span.attributes));
  return { attributes, leaks: Object.entries(run.markers).filter(([, marker]) => everything.includes(marker)).map(([label]) => label) };
}

const parsed = (value: unknown) => JSON.parse(String(value)) as Array<{ role: string; parts: Array<Record<string, unknown>>; finish_reason?: string }>;

describe('traces: prompts and outputs on the GenAI spans, opt-in', () => {
  jest.setTimeout(120_000);

  it('by default no span carries the goal, the tool call or the answer', async () => {
    const run = await tracedRun('trace-content-off', {});
    expect(contentOf(run)).toEqual({ attributes: [], leaks: [] });
    expect(run.stderr).not.toContain(CAPTURE_CONTENT_VARIABLE);
  });

  it(`with ${CAPTURE_CONTENT_VARIABLE}=true the chat spans carry the prompt and the answer, the tool span its arguments and result`, async () => {
    const run = await tracedRun('trace-content-on', { capture: 'true' });
    const { markers } = run;
    const chats = run.spans.filter((span) => span.name === 'chat scripted').sort((a, b) => Number(a.attributes['durable_agent.step']) - Number(b.attributes['durable_agent.step']));
    const [first, second] = chats.map((span) => span.attributes);
    // Step 1: the system prompt apart, the goal as the user's message; the answer a tool call.
    expect(String(first?.['gen_ai.system_instructions'])).toMatch(/^\[\{"type":"text","content":".+"\}\]$/);
    expect(parsed(first?.['gen_ai.input.messages'])).toEqual([{ role: 'user', parts: [{ type: 'text', content: `Please ${markers.goal}` }] }]);
    expect(parsed(first?.['gen_ai.output.messages'])).toEqual([
      { role: 'assistant', parts: [{ type: 'tool_call', id: expect.any(String), name: 'effect', arguments: { name: markers.tool, ms: 10 } }], finish_reason: 'tool_call' },
    ]);
    // Step 2: the transcript so far (the call and the tool's answer to it), and the model's final answer.
    const history = parsed(second?.['gen_ai.input.messages']);
    expect(history[0]).toEqual({ role: 'user', parts: [{ type: 'text', content: `Please ${markers.goal}` }] });
    expect(history.flatMap((message) => message.parts)).toContainEqual(expect.objectContaining({ type: 'tool_call_response', response: expect.stringContaining(markers.tool) }));
    expect(parsed(second?.['gen_ai.output.messages'])).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: markers.answer }], finish_reason: 'stop' }]);
    // The tool call: what it was given and what it returned.
    const tool = run.spans.find((span) => span.name === 'execute_tool effect')?.attributes;
    expect(JSON.parse(String(tool?.['gen_ai.tool.call.arguments']))).toEqual({ name: markers.tool, ms: 10 });
    expect(JSON.parse(String(tool?.['gen_ai.tool.call.result']))).toEqual({ name: markers.tool, attempt: 1 });
  });

  it(`with payload encryption, ${CAPTURE_CONTENT_VARIABLE}=true records nothing of the content, and the worker says why once`, async () => {
    const run = await tracedRun('trace-content-encrypted', { capture: 'true', encrypted: true });
    expect(contentOf(run)).toEqual({ attributes: [], leaks: [] });
    const warnings = run.stderr.split('\n').filter((line) => line.includes(`${CAPTURE_CONTENT_VARIABLE}=true is ignored`));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Warning: .*encrypts payloads.*codec server/);
  });
});
