import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { connectClient } from '../../src/config/connect';
import { loadTemporalConfig } from '../../src/config/temporal-config';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { freePort, startDevServer, type DevServer } from '../../src/temporal-server/dev-server';
import { createWorker } from '../../src/worker';
import { recordHistory } from '../helpers/agent';
import { createEffectTool, readEffects, waitUntil } from '../helpers/effect-tools';
import { saveFigure } from '../helpers/figures';
import { installQuietRuntime, testWorkflowBundlePath } from '../helpers/temporal';

const RUNS = 3;
const STEPS = 4;

/** Guarantee 2: the server killed with SIGKILL and restarted on the same SQLite file loses no run. */
describe('dev server killed with SIGKILL mid-run and restarted on the same SQLite file', () => {
  it('every run completes with the right answer and step count', async () => {
    installQuietRuntime();
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-server-crash-'));
    const effectsLog = join(folder, 'effects.log');
    const serverOptions = { port: await freePort(), uiPort: await freePort(), dbFile: join(folder, 'temporal.sqlite'), onProgress: () => undefined };
    let server: DevServer = await startDevServer(serverOptions);
    const script = {
      turns: [
        { toolCalls: [{ name: 'effect', arguments: { name: 'step', ms: 300 } }], repeat: STEPS - 1 },
        { content: 'answer after {{turn}} turns' },
      ],
    };
    const model = await startScriptedModel(compileScript(script));
    const config = loadTemporalConfig({ TEMPORAL_ADDRESS: server.address });
    const connection = await NativeConnection.connect(config.connectionOptions);
    const client = await connectClient(config);
    const taskQueue = 'server-crash';
    const worker = await createWorker({
      config,
      connection,
      taskQueue,
      tools: [createEffectTool(effectsLog)],
      builtinTools: false,
      model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 },
      workflowBundle: { codePath: testWorkflowBundlePath() },
    });
    const running = worker.run();
    try {
      const handles = await Promise.all(
        Array.from({ length: RUNS }, (_, index) => client.workflow.start('agentWorkflow', { taskQueue, workflowId: `server-crash-${index}`, args: [{ goal: `survive ${index}` }] })),
      );
      await waitUntil(() => readEffects(effectsLog).filter((line) => line.event === 'done').length >= RUNS, 'the first step of every run');
      process.kill(server.pid, 'SIGKILL');
      const killedAt = Date.now();
      await server.exited;
      server = await startDevServer(serverOptions);
      const restartMs = Date.now() - killedAt;

      const results = (await Promise.all(handles.map((handle) => handle.result()))) as AgentRunResult[];
      for (const result of results) {
        expect(result).toMatchObject({ status: 'final', steps: STEPS, answer: `answer after ${STEPS} turns`, toolCalls: { ok: STEPS - 1, failed: 0 } });
      }
      saveFigure('server-crash', { runs: RUNS, stepsPerRun: STEPS, serverRestartMs: restartMs, allFinalMsAfterKill: Date.now() - killedAt });
      await recordHistory(handles[0]!, 'agent-server-crash');
    } finally {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await client.connection.close();
      await model.close();
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 180_000);
});
