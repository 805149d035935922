/**
 * Live model text (docs/streaming.md): what streaming costs a run's history with nobody watching, with one and with
 * five followers, against asking for whole answers; how late the text reaches a follower (from the moment the model
 * server wrote it), how late its first piece comes and how long a state query takes during the model call, with the
 * default `auto` planner (a local call handed over to the activity at 200 ms) and with `planner: 'activity'`; and what
 * the alternative transport, batched signals, would add to history. Its own dev server and
 * a model server of its own on loopback that writes a known answer at a known pace and logs when each piece went out.
 * Results in test-artifacts/bench/stream.{md,json}. Run: `node -r tsx/cjs bench/stream.ts` (about 2 minutes).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { modelStream } from '../src/client/model-stream';
import { connectClient } from '../src/config/connect';
import { loadTemporalConfig } from '../src/config/temporal-config';
import { agentStateQuery, type AgentWorkflow } from '../src/contracts/definitions';
import type { AgentRunResult } from '../src/contracts/run-result';
import { startDevServer } from '../src/temporal-server/dev-server';
import { createWorker } from '../src/worker';
import { machineLine } from './report';

/** The answer: about 500 tokens, written 4 characters every 10 ms (~100 tokens/s, as a fast hosted model). */
const ANSWER = Array.from({ length: 100 }, (_, index) => `Sentence ${index + 1} of a long answer.`).join(' ');
const CHUNK_CHARS = 4;
const CHUNK_MS = 10;
const RUNS_PER_MODE = 3;
/** The batched-signal transport this bench plays for comparison: one signal per this many ms of text. */
const SIGNAL_BATCH_MS = 250;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** When each prefix of the answer left the model server, per request (chars written so far → time). */
type Emissions = Array<{ chars: number; at: number }>;

/** A model server that streams ANSWER at a fixed pace (whole answers when not asked to stream). */
function startPacedModel(): Promise<{ server: Server; baseURL: string; emissions: Emissions[] }> {
  const emissions: Emissions[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (piece: Buffer) => (body += piece.toString()));
    request.on('end', () => {
      const chat = JSON.parse(body) as { stream?: boolean };
      const usage = { prompt_tokens: 50, completion_tokens: Math.ceil(ANSWER.length / CHUNK_CHARS), total_tokens: 0 };
      const frame = (delta: unknown, finish: string | null = null) => ({ id: 'b', object: 'chat.completion.chunk', created: 0, model: 'paced', choices: [{ index: 0, delta, finish_reason: finish }] });
      if (!chat.stream) {
        setTimeout(() => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ id: 'b', object: 'chat.completion', created: 0, model: 'paced', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: ANSWER } }], usage }));
        }, (ANSWER.length / CHUNK_CHARS) * CHUNK_MS);
        return;
      }
      const log: Emissions = [];
      emissions.push(log);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(`data: ${JSON.stringify(frame({ role: 'assistant', content: '' }))}\n\n`);
      let at = 0;
      const timer = setInterval(() => {
        if (at >= ANSWER.length) {
          clearInterval(timer);
          response.write(`data: ${JSON.stringify(frame({}, 'stop'))}\n\n`);
          response.write(`data: ${JSON.stringify({ ...frame({}), choices: [], usage })}\n\n`);
          response.end('data: [DONE]\n\n');
          return;
        }
        at += CHUNK_CHARS;
        response.write(`data: ${JSON.stringify(frame({ content: ANSWER.slice(at - CHUNK_CHARS, at) }))}\n\n`);
        log.push({ chars: Math.min(at, ANSWER.length), at: performance.now() });
      }, CHUNK_MS);
      response.on('close', () => clearInterval(timer));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, baseURL: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`, emissions })));
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface ModeFigures {
  mode: string;
  historyEvents: number;
  historyBytes: number;
  /** Text chunks each follower received, and how late (ms after the model server wrote their last character). */
  received?: number;
  latencyP50Ms?: number;
  latencyP90Ms?: number;
  latencyMaxMs?: number;
  /** From the model server's first character to a follower's first piece of text (median over the runs). */
  firstTextMs?: number;
  /** A state query sent a second into the model call: how long it took (median over the runs). */
  stateQueryMs?: number;
}

/**
 * A follower that notes, for each piece of text, how long after its last character left the model server it came, and
 * how long after the model server wrote its first character the first piece came.
 */
async function follow(handle: WorkflowHandle<AgentWorkflow>, emissions: () => Emissions | undefined): Promise<{ latencies: number[]; firstMs?: number }> {
  const latencies: number[] = [];
  let chars = 0;
  let firstMs: number | undefined;
  for await (const chunk of modelStream(handle)) {
    if (chunk.type !== 'text') continue;
    const now = performance.now();
    const start = emissions()?.[0]?.at;
    if (firstMs === undefined && start !== undefined) firstMs = now - start;
    chars += chunk.text.length;
    // The recorded answer's tail (after the last heartbeat) is not a live piece: it has no emission to compare with.
    const emitted = emissions()?.find((entry) => entry.chars >= chars);
    if (emitted) latencies.push(now - emitted.at);
  }
  return { latencies, ...(firstMs !== undefined ? { firstMs } : {}) };
}

/** How long the run's state query takes once the model has written for a second (a live read during a model call). */
async function stateQueryMs(handle: WorkflowHandle<AgentWorkflow>, emissions: () => Emissions | undefined): Promise<number> {
  while ((emissions()?.[0]?.at ?? Number.POSITIVE_INFINITY) > performance.now() - 1_000) await sleep(20);
  const started = performance.now();
  await handle.query(agentStateQuery);
  return performance.now() - started;
}

interface ModeOptions {
  followers: number;
  signals?: boolean;
  /** Added to the run's input (`planner`). */
  input?: Record<string, unknown>;
}

async function runMode(client: Client, taskQueue: string, mode: string, options: ModeOptions, model: { emissions: Emissions[] }): Promise<ModeFigures> {
  const { followers } = options;
  const figures: ModeFigures[] = [];
  const latencies: number[] = [];
  const firsts: number[] = [];
  const queries: number[] = [];
  for (let round = 0; round < RUNS_PER_MODE; round += 1) {
    const workflowId = `stream-${mode.replace(/\W+/g, '-')}-${round}-${Date.now()}`;
    const before = model.emissions.length;
    const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'write at length', maxSteps: 2, ...options.input }] });
    const typed = client.workflow.getHandle<AgentWorkflow>(workflowId);
    const emissions = () => model.emissions[before];
    const watching = Array.from({ length: followers }, () => follow(typed, emissions));
    const querying = followers > 0 ? stateQueryMs(typed, emissions) : Promise.resolve(undefined);
    const signalling = options.signals ? batchSignals(typed, emissions) : Promise.resolve();
    const result = (await handle.result()) as AgentRunResult;
    if (result.status !== 'final' || result.answer !== ANSWER) throw new Error(`${mode}: the run ended ${result.status} with another answer`);
    for (const watched of await Promise.all(watching)) {
      latencies.push(...watched.latencies);
      if (watched.firstMs !== undefined) firsts.push(watched.firstMs);
    }
    const queried = await querying;
    if (queried !== undefined) queries.push(queried);
    await signalling;
    const history = await typed.fetchHistory();
    const description = await typed.describe();
    figures.push({ mode, historyEvents: history.events?.length ?? 0, historyBytes: Number(description.raw.workflowExecutionInfo?.historySizeBytes ?? 0) });
  }
  const median = (values: number[]) => percentile(values, 50);
  return {
    mode,
    historyEvents: median(figures.map((entry) => entry.historyEvents)),
    historyBytes: median(figures.map((entry) => entry.historyBytes)),
    ...(followers > 0
      ? {
          received: latencies.length,
          latencyP50Ms: percentile(latencies, 50),
          latencyP90Ms: percentile(latencies, 90),
          latencyMaxMs: Math.max(...latencies),
          firstTextMs: median(firsts),
          stateQueryMs: median(queries),
        }
      : {}),
  };
}

/**
 * The alternative transport, played for its history cost: while the model writes, a signal every SIGNAL_BATCH_MS with
 * the text written since the last one (the workflow has no handler for it; each still becomes a history event).
 */
async function batchSignals(handle: WorkflowHandle<AgentWorkflow>, emissions: () => Emissions | undefined): Promise<void> {
  let sent = 0;
  for (;;) {
    await sleep(SIGNAL_BATCH_MS);
    const written = emissions()?.at(-1)?.chars ?? 0;
    if (written > sent) {
      // The run may end between two batches (its last batch then has nowhere to go).
      const delivered = await handle.signal('modelTextBatch', { text: ANSWER.slice(sent, written), offset: sent }).then(() => true, () => false);
      if (!delivered) return;
      sent = written;
    }
    if (sent >= ANSWER.length) return;
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const folder = mkdtempSync(join(tmpdir(), 'durable-agent-bench-stream-'));
  const server = await startDevServer({ port: 0, uiPort: 0, dbFile: join(folder, 'bench.sqlite'), onProgress: () => undefined });
  const model = await startPacedModel();
  const workers: Array<{ worker: Worker; running: Promise<void>; connection: NativeConnection }> = [];
  try {
    const config = loadTemporalConfig({ ...process.env, TEMPORAL_ADDRESS: server.address });
    const client = await connectClient(config);
    const start = async (taskQueue: string, stream: boolean) => {
      const connection = await NativeConnection.connect({ address: server.address });
      const worker = await createWorker({ config, connection, taskQueue, model: { baseURL: model.baseURL, apiKey: 'bench', defaultModel: 'paced', requestTimeoutMs: 60_000, stream } });
      workers.push({ worker, running: worker.run(), connection });
    };
    await start('streamed', true);
    await start('whole', false);
    const modes: ModeFigures[] = [];
    for (const [mode, queue, options] of [
      ['whole answers (stream off)', 'whole', { followers: 0 }],
      ['streamed, nobody follows', 'streamed', { followers: 0 }],
      ['streamed, 1 follower', 'streamed', { followers: 1 }],
      ['streamed, 5 followers', 'streamed', { followers: 5 }],
      ["streamed, 1 follower, `planner: 'activity'` (the default before the `auto` planner)", 'streamed', { followers: 1, input: { planner: 'activity' } }],
      [`batched signals (one per ${SIGNAL_BATCH_MS} ms), for comparison`, 'streamed', { followers: 0, signals: true }],
    ] as const) {
      log(`${mode} …`);
      modes.push(await runMode(client, queue, mode, options, model));
    }
    const date = new Date().toISOString().slice(0, 10);
    const rows = modes.map((entry) =>
      `| ${entry.mode} | ${entry.historyEvents} | ${entry.historyBytes} | ${entry.latencyP50Ms === undefined ? '—' : `${entry.latencyP50Ms.toFixed(0)} / ${entry.latencyP90Ms?.toFixed(0)} / ${entry.latencyMaxMs?.toFixed(0)} ms (${entry.received} pieces)`} | ${
        entry.firstTextMs === undefined ? '—' : `${entry.firstTextMs.toFixed(0)} ms`
      } | ${entry.stateQueryMs === undefined ? '—' : `${entry.stateQueryMs.toFixed(0)} ms`} |`,
    );
    const markdown = [
      `Measured by \`node -r tsx/cjs bench/stream.ts\` on ${date}, ${machineLine()}: one dev server, one worker, a model server on`,
      `loopback writing a ${ANSWER.length}-character answer ${CHUNK_CHARS} characters every ${CHUNK_MS} ms; medians of ${RUNS_PER_MODE} one-step runs per row.`,
      '',
      '| mode | history events | history bytes | text latency p50 / p90 / max | first text | state query during the call |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    process.stdout.write(markdown);
    const out = join('test-artifacts', 'bench');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'stream.md'), markdown);
    writeFileSync(join(out, 'stream.json'), JSON.stringify({ date, machine: machineLine(), modes }, null, 2));
    await client.connection.close();
  } finally {
    for (const entry of workers) entry.worker.shutdown();
    for (const entry of workers) await entry.running.catch(() => undefined);
    for (const entry of workers) await entry.connection.close();
    model.server.close();
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
