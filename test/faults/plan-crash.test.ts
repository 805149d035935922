import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient } from '../../src/config/connect';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { historyEvents, recordHistory } from '../helpers/agent';
import { readEffects, type EffectLine } from '../helpers/effect-tools';
import { payloadValues } from '../helpers/payloads';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';
import { startWorkerProcess, waitForExit } from '../helpers/fault-worker';

/** A, B fast; C after both and slow enough to be killed mid-flight; D after C; E independent and slow. */
const PLAN = {
  toolCalls: [
    {
      name: 'submit_plan',
      arguments: {
        nodes: [
          { id: 'A', tool: 'effect', args: { name: 'A', ms: 50 } },
          { id: 'B', tool: 'effect', args: { name: 'B', ms: 50 } },
          { id: 'C', tool: 'effect', args: { name: 'C', ms: 3_000 }, dependsOn: ['A', 'B'] },
          { id: 'D', tool: 'effect', args: { name: 'D', ms: 50 }, dependsOn: ['C'] },
          { id: 'E', tool: 'effect', args: { name: 'E', ms: 6_000 } },
        ],
      },
    },
  ],
};

/** Issue 14 item 5: a worker SIGKILL in the middle of a plan re-runs no node that had completed. */
describe('worker killed with SIGKILL in the middle of a plan', () => {
  jest.setTimeout(60_000);

  it('completed nodes do not run again; in-flight nodes are retried once on the new worker; dependents run after them', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-plan-crash-'));
    const effectsLog = join(folder, 'effects.log');
    const model = await startScriptedModel(compileScript({ turns: [PLAN, { content: 'done: {{observations}}' }] }));
    const config = testConfig();
    const taskQueue = uniqueTaskQueue('plan-crash');
    const workflowId = `${taskQueue}-run`;
    const env = { ...process.env, TEMPORAL_ADDRESS: config.address, FAULT_TASK_QUEUE: taskQueue, FAULT_MODEL_URL: model.baseURL, FAULT_EFFECTS_LOG: effectsLog };
    const client = await connectClient(config);
    const workers: ChildProcess[] = [];
    // The effect tool logs by idempotency key, `<workflowId>/<task id>`; plan nodes are tasks `s<step>-<n>.<node>`.
    const effectsOf = (effects: readonly EffectLine[], node: string) => effects.filter((line) => line.key === `${workflowId}/s1-1.${node}`);
    const summary = (lines: readonly EffectLine[]) => lines.map(({ event, attempt, pid }) => ({ event, attempt, pid }));
    try {
      const first = startWorkerProcess(env);
      workers.push(first);
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'a plan cut by a crash', planning: 'dag', maxParallel: 4 }] });

      // C is scheduled only by a workflow task that saw A's and B's completions, so once C has started the
      // server has recorded A and B as completed (a result logged by the tool but never reported would not count).
      await until('A and B done and C started', async () => {
        const effects = readEffects(effectsLog);
        const done = (node: string) => effectsOf(effects, node).some((line) => line.event === 'done');
        return done('A') && done('B') && effectsOf(effects, 'C').some((line) => line.event === 'start') ? true : undefined;
      });
      first.kill('SIGKILL');
      await waitForExit(first);
      const killedPid = first.pid;
      const atKill = readEffects(effectsLog);

      const second = startWorkerProcess(env);
      workers.push(second);
      const result = (await handle.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', steps: 2, toolCalls: { ok: 5, failed: 0 } });

      // What the kill cut: C and E had started on the first worker and had not finished.
      expect(summary(effectsOf(atKill, 'C'))).toEqual([{ event: 'start', attempt: 1, pid: killedPid }]);
      expect(summary(effectsOf(atKill, 'E'))).toEqual([{ event: 'start', attempt: 1, pid: killedPid }]);
      expect(effectsOf(atKill, 'D')).toEqual([]);

      const effects = readEffects(effectsLog);
      // Completed before the kill: never run again.
      for (const node of ['A', 'B']) {
        expect({ node, lines: summary(effectsOf(effects, node)) }).toEqual({
          node,
          lines: [
            { event: 'start', attempt: 1, pid: killedPid },
            { event: 'done', attempt: 1, pid: killedPid },
          ],
        });
      }
      // In flight at the kill: the dead worker's attempt 1 never reports, so the server times it out after the
      // effect tool's 2 s heartbeat timeout (not its 30 s start-to-close) and, by the tool's retry policy (up to 5
      // attempts, 100 ms apart), starts attempt 2, which the second worker runs to completion. So: two starts and
      // one done, all under the same idempotency key; the start of attempt 1 cannot be undone, which is why a
      // side-effecting tool passes that key to what it changes.
      for (const node of ['C', 'E']) {
        expect({ node, lines: summary(effectsOf(effects, node)) }).toEqual({
          node,
          lines: [
            { event: 'start', attempt: 1, pid: killedPid },
            { event: 'start', attempt: 2, pid: second.pid },
            { event: 'done', attempt: 2, pid: second.pid },
          ],
        });
      }
      // D ran once, on the new worker, after C's only completion. (It starts about 10 s after C ends: the workflow
      // task that C's completion schedules goes first to the dead worker's sticky queue and is handed to the task
      // queue when the SDK's 10 s sticky schedule-to-start timeout passes; that wait is most of this test's runtime.)
      expect(summary(effectsOf(effects, 'D'))).toEqual([
        { event: 'start', attempt: 1, pid: second.pid },
        { event: 'done', attempt: 1, pid: second.pid },
      ]);
      const position = (node: string, event: EffectLine['event']) => effects.findIndex((line) => line.key === `${workflowId}/s1-1.${node}` && line.event === event);
      expect(position('D', 'start')).toBeGreaterThan(position('C', 'done'));

      // In history: each node was scheduled once (the second attempts are the server's retries, not new
      // activities), and the server started C and E for a second attempt, the others once.
      const events = await historyEvents(handle);
      const taskIds = new Map<string, string>();
      for (const event of events) {
        const attributes = event.activityTaskScheduledEventAttributes;
        if (attributes?.activityType?.name === 'effect') taskIds.set(String(event.eventId), payloadValues<{ taskId: string }>(attributes.input)[0]?.taskId ?? '');
      }
      expect([...taskIds.values()].sort()).toEqual(['s1-1.A', 's1-1.B', 's1-1.C', 's1-1.D', 's1-1.E']);
      const startedAttempts = Object.fromEntries(
        events.flatMap((event) => {
          const attributes = event.activityTaskStartedEventAttributes;
          const taskId = taskIds.get(String(attributes?.scheduledEventId));
          return taskId ? [[taskId, attributes?.attempt]] : [];
        }),
      );
      expect(startedAttempts).toEqual({ 's1-1.A': 1, 's1-1.B': 1, 's1-1.C': 2, 's1-1.D': 1, 's1-1.E': 2 });
      await recordHistory(handle, 'agent-plan-worker-crash');
    } finally {
      for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await Promise.all(workers.map(waitForExit));
      await client.connection.close();
      await model.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
