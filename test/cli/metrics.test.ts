import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../../src/client';
import { loadTemporalConfig } from '../../src/config/temporal-config';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import { AGENT_METRICS } from '../../src/workflows/agent/agent-metrics';
import { startCli, waitForOutput } from '../helpers/cli';
import { uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

/** A free TCP port on loopback (never 0.0.0.0). */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The value of one series of a scrape (the sum over series whose labels include `labels`), 0 when none. */
function value(scrape: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of scrape.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? ([0-9.eE+-]+|NaN)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1] ?? '', pair[2] ?? '']));
    if (Object.entries(labels).every(([key, wanted]) => found.get(key) === wanted)) sum += Number(match[3]);
  }
  return sum;
}

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** Scrapes until `done` holds (the SDK flushes workflow metrics after the task that records them). */
async function scrapeUntil(port: number, what: string, done: (text: string) => boolean): Promise<string> {
  return until(what, async () => {
    const text = await scrape(port);
    return done(text) ? text : undefined;
  }, 15_000);
}

const SCRIPT = {
  turns: [
    { toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }, { name: 'read_file', arguments: { path: 'notes.txt' } }] },
    { content: 'Done: {{observations}}' },
  ],
};

/**
 * `worker --metrics` serves the SDK's metrics and the agent's on a loopback port; the agent's come from the workflow and
 * are not counted again when another worker replays a run's history.
 */
describe('worker --metrics', () => {
  jest.setTimeout(240_000);
  let model: ScriptedModelServer;
  let workspace: string;
  let agent: AgentClient;
  const taskQueue = uniqueTaskQueue('metrics');
  const children: Array<ReturnType<typeof startCli>> = [];

  beforeAll(async () => {
    model = await startScriptedModel(compileScript(SCRIPT));
    workspace = mkdtempSync(join(tmpdir(), 'metrics-'));
    writeFileSync(join(workspace, 'notes.txt'), 'some notes\n');
    agent = await AgentClient.connect(loadTemporalConfig({ TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue }));
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await agent?.close();
    await model?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  async function startWorker(port: number): Promise<ReturnType<typeof startCli>> {
    const { OPENAI_API_KEY: _key, DURABLE_AGENT_MCP_CONFIG: _mcp, DURABLE_AGENT_METRICS_ADDRESS: _metrics, ...rest } = process.env;
    const worker = startCli(['worker', '--metrics', `127.0.0.1:${port}`], {
      ...rest,
      TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      OPENAI_BASE_URL: model.baseURL,
      DURABLE_AGENT_MODEL: 'scripted',
      // A price for the scripted model, so runs have a cost: 1,000 USD per million input tokens, 2,000 per million output.
      DURABLE_AGENT_PRICES: JSON.stringify({ scripted: { inputPerMillion: 1_000, outputPerMillion: 2_000 } }),
      AGENT_WORKSPACE: workspace,
      DURABLE_AGENT_OUTPUT_STORE: 'none',
      NO_COLOR: '1',
    });
    children.push(worker);
    await waitForOutput(worker, /polling task queue/, 90_000, 'stderr');
    expect(worker.output().stderr).toContain(`Metrics at http://127.0.0.1:${port}/metrics`);
    return worker;
  }

  async function stop(worker: ReturnType<typeof startCli>): Promise<void> {
    worker.kill('SIGTERM');
    await worker.done;
  }

  it('counts a run, its steps, model calls, tokens, cost and tool calls once, and a replay adds nothing', async () => {
    const portA = await freeLoopbackPort();
    const workerA = await startWorker(portA);
    // Before any run: the SDK's own metrics are there, none of the agent's.
    const before = await scrape(portA);
    expect(before).toMatch(/^temporal_\w+/m);
    expect(value(before, AGENT_METRICS.runsStarted)).toBe(0);

    // A run with two tool calls in one step, then an answer.
    const first = await agent.start({ goal: 'list and read', maxSteps: 5 });
    const result = await first.result();
    expect(result.status).toBe('final');
    expect(result.usage.costUsd).toBeGreaterThan(0);
    const after = await scrapeUntil(portA, 'the run\'s end', (text) => value(text, AGENT_METRICS.runsEnded, { status: 'final' }) === 1);
    expect(value(after, AGENT_METRICS.runsStarted)).toBe(1);
    expect(value(after, AGENT_METRICS.runsEnded)).toBe(1);
    expect(value(after, AGENT_METRICS.steps)).toBe(2);
    expect(value(after, AGENT_METRICS.modelCalls, { model: 'scripted', outcome: 'ok' })).toBe(2);
    expect(value(after, AGENT_METRICS.inputTokens, { model: 'scripted' })).toBe(result.usage.inputTokens);
    expect(value(after, AGENT_METRICS.outputTokens, { model: 'scripted' })).toBe(result.usage.outputTokens);
    expect(Math.abs(value(after, AGENT_METRICS.costMicroUsd, { model: 'scripted' }) - (result.usage.costUsd ?? 0) * 1e6)).toBeLessThanOrEqual(2);
    expect(value(after, AGENT_METRICS.toolCalls, { tool: 'list_dir', outcome: 'ok' })).toBe(1);
    expect(value(after, AGENT_METRICS.toolCalls, { tool: 'read_file', outcome: 'ok' })).toBe(1);
    expect(value(after, `${AGENT_METRICS.toolDuration}_count`, { tool: 'read_file' })).toBe(1);
    expect(value(after, `${AGENT_METRICS.runCostUsd}_count`)).toBe(1);
    // The SDK adds namespace, taskQueue and workflowType (its workflow metrics spell them so); no run or call id is a label.
    expect(after).toMatch(new RegExp(`${AGENT_METRICS.runsStarted}\\{[^}]*taskQueue="${taskQueue}"`));
    expect(after).not.toContain(first.workflowId);

    // A second run waits for an approval on worker A; A stops; worker B replays the whole history when it is approved.
    const second = await agent.start({ goal: 'list and read, gated', maxSteps: 5, requireApproval: ['read_file'] });
    await until('the approval wait', async () => ((await second.state()).status === 'waiting_for_approval' ? true : undefined));
    // The ungated call runs beside the wait: read once both are counted.
    const waiting = await scrapeUntil(
      portA,
      'the wait and the ungated call',
      (text) => value(text, AGENT_METRICS.waitsStarted, { kind: 'approval' }) === 1 && value(text, AGENT_METRICS.toolCalls, { tool: 'list_dir' }) === 2,
    );
    expect(value(waiting, AGENT_METRICS.waitsEnded, { kind: 'approval' })).toBe(0);
    expect(value(waiting, AGENT_METRICS.runsStarted)).toBe(2);
    expect(value(waiting, AGENT_METRICS.toolCalls, { tool: 'list_dir' })).toBe(2);
    await stop(workerA);

    const portB = await freeLoopbackPort();
    await startWorker(portB);
    const pending = await second.pending();
    const callId = pending.approvals[0]?.callId;
    expect(callId).toBeDefined();
    await second.approve(callId as string);
    expect((await second.result()).status).toBe('final');
    const replayed = await scrapeUntil(portB, 'the second run\'s end', (text) => value(text, AGENT_METRICS.runsEnded, { status: 'final' }) === 1);
    // Worker B replayed step 1 (its model call, list_dir, the run's start, the wait's start): none of it is counted again.
    expect(value(replayed, AGENT_METRICS.runsStarted)).toBe(0);
    expect(value(replayed, AGENT_METRICS.waitsStarted)).toBe(0);
    expect(value(replayed, AGENT_METRICS.toolCalls, { tool: 'list_dir' })).toBe(0);
    // What happened on B is: the approval's end, read_file, step 2 and its model call.
    expect(value(replayed, AGENT_METRICS.waitsEnded, { kind: 'approval' })).toBe(1);
    expect(value(replayed, AGENT_METRICS.toolCalls, { tool: 'read_file', outcome: 'ok' })).toBe(1);
    expect(value(replayed, AGENT_METRICS.steps)).toBe(1);
    expect(value(replayed, AGENT_METRICS.modelCalls, { model: 'scripted' })).toBe(1);
  });

  it('refuses an address that is not HOST:PORT', async () => {
    const worker = startCli(['worker', '--metrics', 'localhost'], { ...process.env, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS });
    const result = await worker.done;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('expected HOST:PORT');
  });
});
