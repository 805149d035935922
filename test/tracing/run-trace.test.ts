import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJaeger, type Jaeger } from '../../src/observability/jaeger';
import { runCli } from '../helpers/cli';
import { ancestorsOf, parentOf, renderTrace, servicesOf, tag, tracesOf, type JaegerSpan, type JaegerTrace } from './helpers/jaeger-query';
import { pngSize, writeWaterfall } from './helpers/waterfall-screenshot';

/**
 * One agent run of the CLI with OTLP export on, read back from a real Jaeger: the client's, the workflow's, the
 * planner's, the model call's and the tool's spans are in one trace, linked parent to child, each once.
 */
describe('a run traced into Jaeger', () => {
  let jaeger: Jaeger;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-tracing-'));
    jaeger = await startJaeger({ otlpHttpPort: 0, queryPort: 0, queryGrpcPort: 0 });
  });

  afterAll(async () => {
    await jaeger?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  test('Jaeger listens on 127.0.0.1 only and serves the spans it receives over OTLP/HTTP', async () => {
    const listening = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' }).stdout.split('\n').filter((line) => line.includes(`pid=${jaeger.pid},`));
    expect(listening.length).toBeGreaterThanOrEqual(3);
    for (const line of listening) expect(line).toMatch(/\s127\.0\.0\.1:\d+\s/);

    const traceId = '5b8efff798038103d269b633813fc60c';
    const now = BigInt(Date.now()) * 1_000_000n;
    const response = await fetch(`${jaeger.otlpEndpoint}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'tracing-tier-probe' } }] },
            scopeSpans: [
              {
                scope: { name: 'probe' },
                spans: [{ traceId, spanId: 'eee19b7ec3c1b174', name: 'probe', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) }],
              },
            ],
          },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const traces = await poll(() => tracesOf(jaeger.queryUrl, 'tracing-tier-probe'), (found) => found.length > 0, 15_000);
    expect(traces.map((trace) => trace.traceID)).toEqual([traceId]);
    expect(traces[0]?.spans.map((span) => span.operationName)).toEqual(['probe']);
  });

  test('one run: client, workflow, planner, model call and tool call in one trace, each span once', async () => {
    const runId = `traced-${Date.now()}`;
    const script = join(folder, 'script.json');
    writeFileSync(
      script,
      JSON.stringify({
        turns: [
          { toolCalls: [{ id: 'call_from_the_model', name: 'list_dir', arguments: { path: '.' } }] },
          { content: 'Traced answer. Observations: {{observations}}' },
        ],
      }),
    );
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, OTEL_SERVICE_NAME: _name, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: _traces, ...rest } = process.env;
    const env = {
      ...rest,
      TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: 'default',
      NO_COLOR: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint,
    };
    const run = await runCli(['run', '--script', script, '--id', runId, '--json', 'list', 'the', 'folder'], env, 90_000);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) as string });

    // The spans of the run: every trace of service durable-agent with a span of this workflow id, once they stop changing.
    const ofRun = (traces: JaegerTrace[]) => traces.filter((trace) => trace.spans.some((span) => tag(span, 'temporalWorkflowId') === runId));
    let lastCount = -1;
    let stableSince = Date.now();
    const traces = await poll(
      // Well above Jaeger's default of 20: the CLI's calls while it follows the run are traces of their own, often 20.
      () => tracesOf(jaeger.queryUrl, 'durable-agent', 500),
      (found) => {
        const count = ofRun(found).reduce((sum, trace) => sum + trace.spans.length, 0);
        if (count !== lastCount) [lastCount, stableSince] = [count, Date.now()];
        return count > 0 && Date.now() - stableSince > 3_000;
      },
      30_000,
    ).catch(async () => {
      const services = await servicesOf(jaeger.queryUrl);
      throw new Error(
        `Jaeger received no spans of run ${runId} within 30 s (services it has spans from: ${JSON.stringify(services)}; ` +
          `spans of this run: ${lastCount}). ` +
          `The CLI ran with OTEL_EXPORTER_OTLP_ENDPOINT=${jaeger.otlpEndpoint}; its stderr:\n${run.stderr}`,
      );
    });
    // The run's trace is the one its client's start span opened; the client's other calls for it (the CLI following
    // the run: DescribeWorkflow, …) are traces of their own, and none of them holds anything the worker did.
    const runTraces = ofRun(traces).filter((trace) => trace.spans.some((span) => span.operationName === 'StartWorkflow:agentWorkflow'));
    const otherTraces = ofRun(traces).filter((trace) => !runTraces.includes(trace));
    const workerSpan = /^(RunWorkflow|StartActivity|RunActivity|chat |execute_tool )/;
    const clientCalls = [...new Set(otherTraces.flatMap((trace) => trace.spans.map((span) => span.operationName)))].sort();
    const text =
      runTraces.map(renderTrace).join('\n') +
      `\n${otherTraces.length} more traces of this run, the client's own calls: ${clientCalls.join(', ') || 'none'}\n`;
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync(join('test-artifacts', 'tracing-run-trace.txt'), text);
    process.stderr.write(`\n${text}`);
    // The same trace drawn as a waterfall page, and its screenshot (docs/images/run-trace.png is one of these).
    const waterfall = runTraces[0] ? await writeWaterfall(runTraces[0], join('test-artifacts', 'tracing-run-trace'), folder) : undefined;
    expect(clientCalls.filter((name) => workerSpan.test(name))).toEqual([]);
    // One trace for the whole run: the client's start span is the root of everything the worker did for it.
    expect(runTraces.map((trace) => trace.traceID)).toHaveLength(1);
    const spans = runTraces[0]?.spans ?? [];
    const page = readFileSync(waterfall!.html, 'utf8');
    expect(page.match(/<div class="row[ "]/g)).toHaveLength(spans.length);
    for (const span of spans) expect(page).toContain(`<div class="name">${span.operationName}<span`);
    if (waterfall?.png) expect(pngSize(waterfall.png)).toEqual(waterfall.size);
    const named = (name: string) => spans.filter((span) => span.operationName === name);
    const names = spans.map((span) => span.operationName).sort();

    // No span twice: no span id twice, and per name, workflow, activity, tool call and attempt only one span.
    expect(new Set(spans.map((span) => span.spanID)).size).toBe(spans.length);
    const identity = (span: JaegerSpan) =>
      [span.operationName, tag(span, 'temporalActivityId'), tag(span, 'gen_ai.tool.call.id'), ...span.tags.filter((item) => /attempt/i.test(item.key)).map((item) => `${item.key}=${String(item.value)}`)].join('|');
    const byIdentity = new Map<string, number>();
    for (const span of spans.filter((item) => !item.operationName.startsWith('StartActivity:') && !item.operationName.startsWith('chat '))) {
      byIdentity.set(identity(span), (byIdentity.get(identity(span)) ?? 0) + 1);
    }
    expect([...byIdentity].filter(([, count]) => count > 1)).toEqual([]);

    const start = named('StartWorkflow:agentWorkflow');
    const workflow = named('RunWorkflow:agentWorkflow');
    expect({ names, start: start.length, workflow: workflow.length }).toEqual({ names, start: 1, workflow: 1 });
    expect(parentOf(workflow[0]!, spans)).toBe(start[0]);

    // Two model calls (the tool call, then the answer): each a StartActivity:plan of the workflow, one RunActivity:plan
    // under it (no retry in this script), and one chat span inside that.
    const startPlans = named('StartActivity:plan');
    const runPlans = named('RunActivity:plan');
    const chats = spans.filter((span) => span.operationName.startsWith('chat '));
    expect({ startPlans: startPlans.length, runPlans: runPlans.length, chats: chats.length }).toEqual({ startPlans: 2, runPlans: 2, chats: 2 });
    for (const startPlan of startPlans) expect(parentOf(startPlan, spans)).toBe(workflow[0]);
    for (const runPlan of runPlans) expect(startPlans).toContain(parentOf(runPlan, spans));
    expect(new Set(runPlans.map((span) => parentOf(span, spans))).size).toBe(2);
    for (const chat of chats) {
      expect(ancestorsOf(chat, spans).find((span) => span.operationName === 'RunActivity:plan')).toBeDefined();
      expect(tag(chat, 'gen_ai.operation.name')).toBe('chat');
      const model = tag(chat, 'gen_ai.request.model');
      expect(typeof model).toBe('string');
      expect(chat.operationName).toBe(`chat ${String(model)}`);
      expect(Number(tag(chat, 'gen_ai.usage.input_tokens'))).toBeGreaterThan(0);
      expect(Number(tag(chat, 'gen_ai.usage.output_tokens'))).toBeGreaterThan(0);
    }
    expect(new Set(chats.map((chat) => ancestorsOf(chat, spans).find((span) => span.operationName === 'RunActivity:plan'))).size).toBe(2);

    // The tool call: one execute_tool span with the tool's name and the call's id, in the workflow's tree, and in an
    // ancestor line with the tool's activity (inside RunActivity:list_dir, or around its StartActivity).
    const tools = named('execute_tool list_dir');
    expect(tools).toHaveLength(1);
    const tool = tools[0]!;
    // The call's id is durable-agent's own (the one `pending` and `approve` show: step 1, call 1), not the model's.
    expect({ name: tag(tool, 'gen_ai.tool.name'), id: tag(tool, 'gen_ai.tool.call.id') }).toEqual({ name: 'list_dir', id: 's1-1' });
    expect(ancestorsOf(tool, spans)).toContain(workflow[0]);
    const toolActivities = named('RunActivity:list_dir');
    expect(toolActivities).toHaveLength(1);
    const related = ancestorsOf(tool, spans).includes(toolActivities[0]!) || ancestorsOf(toolActivities[0]!, spans).includes(tool);
    expect(related).toBe(true);
    // Every span is the client's start span or one of its descendants: nothing of the run hangs loose.
    for (const span of spans) if (span !== start[0]) expect(ancestorsOf(span, spans)).toContain(start[0]);
  });
});

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`gave up after ${timeoutMs} ms (last value: ${JSON.stringify(last)?.slice(0, 500)}, last error: ${String(lastError)})`);
}
