import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { AgentRunHandle } from '../../src/client';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { defineTool } from '../../src/tools/define-tool';
import { saveFigure } from '../helpers/figures';
import { until } from '../helpers/until';
import { startRealModelServer, type RealModelServer } from './helpers/llama-server';
import { realModelConfig, withRealAgent } from './helpers/real-agent';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy';

/** Tokens of the long answer: far more than the seconds the test waits before it cancels. */
const LONG_ANSWER_TOKENS = 1_500;
/** The generous bound of each delay after the cancel. */
const BOUND_MS = 10_000;
/** CPU seconds per 100 ms sample above which the server counts as generating (llama.cpp keeps its 2 threads busy). */
const BUSY_CPU_PER_SAMPLE = 0.02;
/** No busy sample for this long after the last one: the generation has stopped. */
const QUIET_MS = 1_500;

/**
 * The long answer is forced through `extraBody`, which the planner sends with requests that offer tools: one tool is
 * offered, with no `tool_choice` (so llama-cpp-python's function-calling format writes plain text), and `min_tokens` =
 * `max_tokens` keeps the model from ending early.
 */
const LONG_ANSWER = { max_tokens: LONG_ANSWER_TOKENS, min_tokens: LONG_ANSWER_TOKENS };

const unusedTool = defineTool({
  name: 'get_weather',
  description: 'Returns the current weather of a city.',
  input: z.object({ city: z.string() }),
  run: async () => ({ weather: 'sunny' }),
});

/** Samples the server's CPU time every 100 ms; `lastBusyAt` is the last sample in which it was generating. */
function watchCpu(server: RealModelServer) {
  let previous = server.cpuSeconds();
  let lastBusyAt = 0;
  let busySamples = 0;
  const timer = setInterval(() => {
    const now = server.cpuSeconds();
    if (now - previous > BUSY_CPU_PER_SAMPLE) {
      lastBusyAt = Date.now();
      busySamples += 1;
    }
    previous = now;
  }, 100);
  return {
    get lastBusyAt() {
      return lastBusyAt;
    },
    get busySamples() {
      return busySamples;
    },
    stop: () => clearInterval(timer),
  };
}

/** The `plan` activity of the run has started (the model call is in flight). */
async function planStarted(handle: WorkflowHandle): Promise<true | undefined> {
  const description = await handle.describe();
  const started = description.raw.pendingActivities?.some(
    (activity) => activity.activityType?.name === 'plan' && activity.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
  );
  return started ? true : undefined;
}

interface CancelFigures {
  stream: boolean;
  /** From the cancel request to: the worker closing the HTTP connection to the model server. */
  connectionClosedMs: number | undefined;
  /** … the model server no longer generating (its CPU time stopped growing). */
  generationStoppedMs: number | undefined;
  /** … the run's result, `cancelled`. */
  runCancelledMs: number;
  /** How long the server had been generating when the cancel was sent. */
  generatingBeforeCancelMs: number;
  status: string;
  serverSawDisconnect: boolean;
}

/** Starts a run that makes the model write a long answer, cancels it mid-answer, and measures what stops when. */
async function cancelDuringGeneration(server: RealModelServer, stream: boolean): Promise<CancelFigures> {
  // The worker talks to the server through a proxy that sees when the worker closes the connection.
  const proxy: TcpProxy = await startTcpProxy(server.port);
  const cpu = watchCpu(server);
  try {
    const config = realModelConfig(server, { stream, extraBody: LONG_ANSWER, baseURL: `http://127.0.0.1:${proxy.port}/v1` });
    return await withRealAgent(`real-cancel-${stream ? 'stream' : 'plain'}`, config, [unusedTool], async ({ start, client }) => {
      const logBefore = server.log().length;
      const handle = await start({ goal: 'Write a very long story about a dragon who learns to bake bread. Make it as long as you can, with many chapters.', maxSteps: 2 });
      await until('the plan activity to start', () => planStarted(handle), 60_000, 100);
      // The model is generating: the server keeps its threads busy.
      const generatingSince = await until('the model server to generate', async () => (cpu.busySamples >= 5 ? Date.now() : undefined), 60_000, 100);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(Date.now() - cpu.lastBusyAt).toBeLessThan(500);

      const cancelledAt = Date.now();
      await new AgentRunHandle(client, handle.workflowId, 'default').cancel();
      const result = (await handle.result()) as AgentRunResult;
      const runCancelledMs = Date.now() - cancelledAt;
      // Bounded wait for the generation to end, however long it goes on (the figure is the point).
      await until('the model server to stop generating', async () => (Date.now() - cpu.lastBusyAt >= QUIET_MS ? true : undefined), 240_000, 100);
      const closed = proxy.connections.map((connection) => connection.closedAt).filter((at): at is number => at !== undefined && at >= cancelledAt);
      return {
        stream,
        connectionClosedMs: closed.length > 0 ? Math.min(...closed) - cancelledAt : undefined,
        generationStoppedMs: cpu.lastBusyAt >= cancelledAt ? cpu.lastBusyAt - cancelledAt : 0,
        runCancelledMs,
        generatingBeforeCancelMs: cancelledAt - generatingSince,
        status: result.status,
        serverSawDisconnect: /disconnected/i.test(server.log().slice(logBefore)),
      };
    });
  } finally {
    cpu.stop();
    await proxy.close();
  }
}

function report(name: string, figures: CancelFigures): void {
  process.stdout.write(
    `real-model cancel (${figures.stream ? 'streamed' : 'unstreamed'}): generating ${figures.generatingBeforeCancelMs} ms before the cancel; after it: ` +
      `connection closed ${figures.connectionClosedMs ?? 'never'} ms, generation stopped ${figures.generationStoppedMs ?? '?'} ms, ` +
      `run ${figures.status} ${figures.runCancelledMs} ms; server logged a disconnect: ${figures.serverSawDisconnect}\n`,
  );
  saveFigure(name, { ...figures, longAnswerTokens: LONG_ANSWER_TOKENS, boundMs: BOUND_MS });
}

describe('real model: cancelling a run while the model writes', () => {
  jest.setTimeout(600_000);
  let server: RealModelServer;

  beforeAll(async () => {
    server = await startRealModelServer();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('streamed (the default): the cancel closes the connection, the server stops generating and the run ends cancelled, each within 10 s', async () => {
    const figures = await cancelDuringGeneration(server, true);
    report('real-model-cancel-stream', figures);
    expect(figures.status).toBe('cancelled');
    expect(figures.runCancelledMs).toBeLessThan(BOUND_MS);
    expect(figures.connectionClosedMs).toBeLessThan(BOUND_MS);
    expect(figures.generationStoppedMs).toBeLessThan(BOUND_MS);
  });

  it('unstreamed: the cancel closes the connection and the run ends cancelled within 10 s (the server, which only watches streams, may go on)', async () => {
    const figures = await cancelDuringGeneration(server, false);
    report('real-model-cancel-plain', figures);
    expect(figures.status).toBe('cancelled');
    expect(figures.runCancelledMs).toBeLessThan(BOUND_MS);
    expect(figures.connectionClosedMs).toBeLessThan(BOUND_MS);
  });
});
