import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient } from '../../src/config/connect';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { recordHistory } from '../helpers/agent';
import { readEffects } from '../helpers/effect-tools';
import { saveFigure } from '../helpers/figures';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { startWorkerProcess, waitForExit } from '../helpers/fault-worker';

const RUNS = 3;

/** Guarantee 1: a worker killed with SIGKILL mid-step loses nothing; completed calls never run again. */
describe('worker killed with SIGKILL while tool calls are in flight', () => {
  it('a new worker finishes every run; completed calls do not run again; the in-flight call runs again at most once', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-worker-crash-'));
    const effectsLog = join(folder, 'effects.log');
    const script = {
      turns: [
        { toolCalls: [{ name: 'effect', arguments: { name: 'fast-a', ms: 10 } }, { name: 'effect', arguments: { name: 'fast-b', ms: 10 } }, { name: 'effect', arguments: { name: 'slow', ms: 4_000 } }] },
        { toolCalls: [{ name: 'effect', arguments: { name: 'after', ms: 10 } }] },
        { content: 'done: {{observations}}' },
      ],
    };
    const model = await startScriptedModel(compileScript(script));
    const config = testConfig();
    const taskQueue = uniqueTaskQueue('worker-crash');
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: config.address,
      FAULT_TASK_QUEUE: taskQueue,
      FAULT_MODEL_URL: model.baseURL,
      FAULT_EFFECTS_LOG: effectsLog,
    };
    const client = await connectClient(config);
    const workers: ChildProcess[] = [];
    try {
      const first = startWorkerProcess(env);
      workers.push(first);
      const handles = await Promise.all(
        Array.from({ length: RUNS }, (_, index) =>
          client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-${index}`, args: [{ goal: `crash test ${index}`, maxParallel: 3 }] }),
        ),
      );
      // Kill the worker once the server has recorded both fast calls of every run as completed (that is what
      // "completed" means: a result the tool logged but the server never received may run again) and every run
      // is inside its slow call.
      const completedEffects = async (handle: (typeof handles)[number]) => {
        const events = (await handle.fetchHistory()).events ?? [];
        const effectIds = new Set(events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'effect').map((event) => String(event.eventId)));
        return events.filter((event) => effectIds.has(String(event.activityTaskCompletedEventAttributes?.scheduledEventId))).length;
      };
      const deadline = Date.now() + 60_000;
      for (;;) {
        const slowStarted = readEffects(effectsLog).filter((line) => line.event === 'start' && line.name === 'slow').length === RUNS;
        const counts = await Promise.all(handles.map(completedEffects));
        if (slowStarted && counts.every((count) => count === 2)) break;
        if (Date.now() > deadline) throw new Error(`runs did not reach their slow call in time (completed: ${counts.join(', ')})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      first.kill('SIGKILL');
      const killedAt = Date.now();
      await waitForExit(first);
      const killedPid = first.pid;

      workers.push(startWorkerProcess(env));
      const results = (await Promise.all(handles.map((handle) => handle.result()))) as AgentRunResult[];
      const recoveredMs = Date.now() - killedAt;
      for (const result of results) expect(result).toMatchObject({ status: 'final', steps: 3, toolCalls: { ok: 4, failed: 0 } });

      const effects = readEffects(effectsLog);
      for (const handle of handles) {
        const mine = effects.filter((line) => line.key.startsWith(`${handle.workflowId}/`));
        const count = (event: string, name: string) => mine.filter((line) => line.event === event && line.name === name).length;
        // Completed before the crash: never again.
        expect({ run: handle.workflowId, fastA: count('start', 'fast-a'), fastB: count('start', 'fast-b') }).toEqual({ run: handle.workflowId, fastA: 1, fastB: 1 });
        // In flight at the crash: started again at most once, finished exactly once (on the new worker).
        expect(count('start', 'slow')).toBeLessThanOrEqual(2);
        expect(mine.filter((line) => line.event === 'done' && line.name === 'slow').map((line) => line.pid)).not.toContain(killedPid);
        expect(count('done', 'slow')).toBe(1);
        expect(count('done', 'after')).toBe(1);
      }
      const completedAgain = effects.filter((line) => line.event === 'start' && line.name.startsWith('fast')).length - RUNS * 2;
      const inFlightAgain = effects.filter((line) => line.event === 'start' && line.name === 'slow').length - RUNS;
      saveFigure('worker-crash', { runs: RUNS, completedCallsRunAgain: completedAgain, inFlightCallsRunAgain: inFlightAgain, allFinalMsAfterKill: recoveredMs });
      await recordHistory(handles[0]!, 'agent-worker-crash');
    } finally {
      for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGTERM');
      await Promise.all(workers.map(waitForExit));
      await client.connection.close();
      await model.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
