/**
 * Large tool outputs (docs/outputs.md): history bytes of a run whose 20 tool calls each return 5 MB, and what payload
 * encryption costs, per step and per MB, with and without keys. Its own dev server; results in
 * test-artifacts/bench/large-outputs.{md,json}. Run: `node -r tsx/cjs bench/large-outputs.ts` (about 2 minutes).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { parseKeyList, type EncryptionKeys } from '../src/codec/encryption-keys';
import { connectClient } from '../src/config/connect';
import { loadTemporalConfig } from '../src/config/temporal-config';
import type { AgentRunResult } from '../src/contracts/run-result';
import { FsOutputDriver } from '../src/outputs/fs-output-driver';
import { openBlob, sealBlob } from '../src/outputs/output-blob';
import { outputHandle } from '../src/outputs/output-keys';
import { OutputStore } from '../src/outputs/output-store';
import { compileScript, type Script } from '../src/scripted-model/script';
import { startScriptedModel } from '../src/scripted-model/server';
import { startDevServer } from '../src/temporal-server/dev-server';
import { createWorker, WORKFLOW_INTERCEPTOR_MODULES, WORKFLOW_PRELOAD_MODULES, WORKFLOWS_PATH } from '../src/worker';
import { createLargeOutputTool } from '../test/helpers/large-output-tool';
import { benchSleepTool, eventsOf, planTimes } from './harness';
import { machineLine } from './report';

const MB = 1_048_576;
const CALLS = 20;
const SMALL_STEPS = 20;
/** Rounds of small steps per mode, alternated. */
const ROUNDS = 4;
const log = (line: string) => process.stderr.write(`${line}\n`);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Milliseconds per MB to seal and to open a blob of `bytes`, the median of `repeats`. */
async function blobCost(keys: EncryptionKeys | undefined, bytes: number, repeats: number): Promise<{ sealMsPerMb: number; openMsPerMb: number }> {
  const payload = { metadata: { encoding: new TextEncoder().encode('text/plain') }, data: randomBytes(bytes) };
  const seal: number[] = [];
  const open: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    let started = performance.now();
    const blob = await sealBlob(payload, keys);
    seal.push(performance.now() - started);
    started = performance.now();
    await openBlob(blob, keys);
    open.push(performance.now() - started);
  }
  return { sealMsPerMb: median(seal) / (bytes / MB), openMsPerMb: median(open) / (bytes / MB) };
}

interface ModeFigures {
  mode: Mode;
  largeRun: { wallMs: number; historyBytes: number; storedBytes: number; readOk: boolean };
  smallRun: { steps: number; stepMsMedian: number };
}

type Mode = 'plain' | 'encrypted';

/** A worker of one mode (its own keys, store and task queue), and how to start runs on it. */
interface ModeWorker {
  mode: Mode;
  outputs: OutputStore;
  start(input: object, workflowId: string): Promise<WorkflowHandle>;
  runUntil<T>(body: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function largeScript(workflowId: string): Script {
  return {
    turns: [
      { toolCalls: Array.from({ length: CALLS }, (_, index) => ({ name: 'large_output', arguments: { index, bytes: 5 * MB } })) },
      { toolCalls: [{ id: 'read', name: 'read_output', arguments: { handle: outputHandle({ workflowId, taskId: 's1-17', attempt: 1 }), offset: 4_000_000, length: 1_000 } }] },
      { content: 'Done.' },
    ],
  };
}

const SMALL: Script = { turns: [{ toolCalls: [1, 2, 3].map(() => ({ name: 'work', arguments: { ms: 0, bytes: 4_096 } })), repeat: SMALL_STEPS }, { content: 'Done.' }] };

async function modeWorker(mode: Mode, address: string, bundlePath: string, folder: string, largeIds: Record<Mode, string>): Promise<ModeWorker> {
  const keys = mode === 'encrypted' ? parseKeyList(`bench:${randomBytes(32).toString('base64')}`, 'bench') : undefined;
  const config = { ...loadTemporalConfig({ TEMPORAL_ADDRESS: address }), ...(keys ? { encryption: keys } : {}) };
  const outputs = new OutputStore(new FsOutputDriver(join(folder, mode)), keys ? { keys } : {});
  const connection = await NativeConnection.connect(config.connectionOptions);
  const client = await connectClient(config);
  const model = await startScriptedModel(compileScript(SMALL), { scriptsByModel: new Map([['large', compileScript(largeScript(largeIds[mode]))]]) });
  const taskQueue = `bench-large-${mode}`;
  const worker = await createWorker({
    config,
    connection,
    taskQueue,
    tools: [createLargeOutputTool(), benchSleepTool],
    outputs,
    model: { baseURL: model.baseURL, apiKey: 'bench', defaultModel: 'scripted', requestTimeoutMs: 60_000 },
    workflowBundle: { codePath: bundlePath },
  });
  return {
    mode,
    outputs,
    start: (input, workflowId) => client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [input] }),
    runUntil: (body) => worker.runUntil(body),
    close: async () => {
      await client.connection.close();
      await connection.close();
      await model.close();
    },
  };
}

/** The 20 × 5 MB run on one mode's worker. */
async function largeRun(worker: ModeWorker, workflowId: string): Promise<ModeFigures['largeRun']> {
  const started = performance.now();
  const handle = await worker.start({ goal: 'twenty large outputs', model: 'large', maxParallel: CALLS, maxSteps: 5 }, workflowId);
  const result = (await handle.result()) as AgentRunResult;
  const wallMs = performance.now() - started;
  if (result.status !== 'final' || result.toolCalls.failed > 0) throw new Error(`the large run ended ${result.status}: ${result.answer}`);
  const description = await handle.describe();
  const stored = (await worker.outputs.runs('default')).find((run) => run.workflowId === workflowId);
  return { wallMs, historyBytes: Number(description.raw.workflowExecutionInfo?.historySizeBytes ?? 0), storedBytes: stored?.bytes ?? 0, readOk: result.toolCalls.ok === CALLS + 1 };
}

/** Step times (plan to plan) of a run of small steps. */
async function smallStepTimes(worker: ModeWorker, round: number): Promise<number[]> {
  const handle = await worker.start({ goal: 'small steps', maxSteps: SMALL_STEPS + 2 }, `small-${worker.mode}-${round}-${randomBytes(3).toString('hex')}`);
  await handle.result();
  const plans = planTimes(await eventsOf(handle));
  return plans.slice(1).map((time, index) => time - (plans[index] ?? time));
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const folder = mkdtempSync(join(tmpdir(), 'durable-agent-bench-large-'));
  const server = await startDevServer({ port: 0, uiPort: 0, dbFile: join(folder, 'bench.sqlite'), onProgress: () => undefined });
  try {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('ERROR'), preloadModules: [...WORKFLOW_PRELOAD_MODULES], workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES] });
    const bundlePath = join(folder, 'bundle.js');
    writeFileSync(bundlePath, bundle.code);
    log('blob sealing and opening, 5 MB × 9 …');
    const keys = parseKeyList(`bench:${randomBytes(32).toString('base64')}`, 'bench');
    const blobs = { plain: await blobCost(undefined, 5 * MB, 9), encrypted: await blobCost(keys, 5 * MB, 9) };
    const largeIds: Record<Mode, string> = { plain: `large-plain-${randomBytes(3).toString('hex')}`, encrypted: `large-encrypted-${randomBytes(3).toString('hex')}` };
    const workers = await Promise.all((['plain', 'encrypted'] as const).map((mode) => modeWorker(mode, server.address, bundlePath, folder, largeIds)));
    const [plainWorker, encryptedWorker] = workers as [ModeWorker, ModeWorker];
    const modes = await plainWorker.runUntil(
      encryptedWorker.runUntil(
        (async () => {
          const large: Partial<Record<Mode, ModeFigures['largeRun']>> = {};
          for (const worker of workers) {
            log(`${worker.mode}: ${CALLS} calls × 5 MB …`);
            large[worker.mode] = await largeRun(worker, largeIds[worker.mode]);
          }
          // Small steps in alternating rounds, so a change in the machine's load falls on both modes alike.
          const steps: Record<Mode, number[]> = { plain: [], encrypted: [] };
          for (let round = 0; round < ROUNDS; round += 1) {
            for (const worker of round % 2 === 0 ? workers : [...workers].reverse()) {
              log(`${worker.mode}: round ${round + 1} of ${ROUNDS}, ${SMALL_STEPS} steps × 3 calls × 4 KB …`);
              steps[worker.mode].push(...(await smallStepTimes(worker, round)));
            }
          }
          return workers.map((worker): ModeFigures => ({ mode: worker.mode, largeRun: large[worker.mode] as ModeFigures['largeRun'], smallRun: { steps: steps[worker.mode].length, stepMsMedian: median(steps[worker.mode]) } }));
        })(),
      ),
    );
    for (const worker of workers) await worker.close();
    const [plain, encrypted] = modes as [ModeFigures, ModeFigures];
    const figures = { date: new Date().toISOString().slice(0, 10), machine: machineLine(), blobs, modes };
    const markdown = [
      `# Large tool outputs`,
      '',
      `Measured by \`node -r tsx/cjs bench/large-outputs.ts\` on ${figures.date}, ${figures.machine}.`,
      '',
      '| | without keys | with keys (AES-256-GCM) |',
      '|---|---|---|',
      `| run of ${CALLS} calls × 5 MB, then one read_output: history | ${plain.largeRun.historyBytes.toLocaleString('en-US')} B | ${encrypted.largeRun.historyBytes.toLocaleString('en-US')} B |`,
      `| same run: wall time (stored ${(plain.largeRun.storedBytes / MB).toFixed(1)} / ${(encrypted.largeRun.storedBytes / MB).toFixed(1)} MB) | ${Math.round(plain.largeRun.wallMs).toLocaleString('en-US')} ms | ${Math.round(encrypted.largeRun.wallMs).toLocaleString('en-US')} ms |`,
      `| step of 3 calls × 4 KB, median of ${plain.smallRun.steps} | ${plain.smallRun.stepMsMedian} ms | ${encrypted.smallRun.stepMsMedian} ms (+${encrypted.smallRun.stepMsMedian - plain.smallRun.stepMsMedian} ms) |`,
      `| sealing a stored output, per MB | ${blobs.plain.sealMsPerMb.toFixed(2)} ms | ${blobs.encrypted.sealMsPerMb.toFixed(2)} ms |`,
      `| opening a stored output, per MB | ${blobs.plain.openMsPerMb.toFixed(2)} ms | ${blobs.encrypted.openMsPerMb.toFixed(2)} ms |`,
      '',
    ].join('\n');
    const out = join(__dirname, '..', 'test-artifacts', 'bench');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'large-outputs.md'), markdown);
    writeFileSync(join(out, 'large-outputs.json'), `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(markdown);
  } finally {
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
