import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient, InvalidRunInputError } from '../../src/client';
import type { EvalSuiteInput } from '../../src/contracts/eval';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { recordHistory } from '../helpers/agent';
import { readEffects } from '../helpers/effect-tools';
import { startWorkerProcess, waitForExit } from '../helpers/fault-worker';
import { testConfig, testWorkflowBundlePath, uniqueTaskQueue, withTestWorker } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';

/** Variant `a` calls a tool, then answers `{"n": 2, …}`; variant `b` answers `{"n": 3}` at once; the judge says 0.9. */
const SCRIPTS = {
  a: { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'x', ms: 10 } }] }, { content: '{"n": 2, "text": "4"}' }] },
  b: { turns: [{ content: '{"n": 3}' }] },
  judge: { turns: [{ content: '{"score": 0.9, "reason": "n looks right"}' }] },
};

const SUITE: EvalSuiteInput = {
  name: 'numbers',
  variants: [
    { name: 'a', model: 'model-a' },
    { name: 'b', model: 'model-b' },
  ],
  cases: [
    { id: 'text-and-tool', goal: 'Give the text four', checks: [{ answerContains: '"text": "4"' }, { toolCalled: 'sleep', arguments: { label: 'x' } }] },
    { id: 'n-is-two', goal: 'Say n is two', checks: [{ jsonPointer: '/n', equals: 2 }, { name: 'judged', rubric: 'Is n two?', model: 'judge' }, { maxSteps: 1 }] },
  ],
};

describe('durable-agent eval (docs/evals.md)', () => {
  jest.setTimeout(180_000);

  it('runs every case under every variant as child runs, checks them, judges rubrics with a run of their own', async () => {
    const model = await startScriptedModel(compileScript(SCRIPTS.a), {
      scriptsByModel: new Map([
        ['model-a', compileScript(SCRIPTS.a)],
        ['model-b', compileScript(SCRIPTS.b)],
        ['judge', compileScript(SCRIPTS.judge)],
      ]),
    });
    try {
      await withTestWorker(
        'eval',
        async ({ client, taskQueue }) => {
          const agents = await AgentClient.connect(testConfig());
          try {
            // The id is the recorded history's name: the replay test replays it under that workflow id.
            const handle = await agents.startEval(SUITE, { taskQueue, concurrency: 2, evalId: 'eval-two-variants' });
            const report = await handle.result();
            expect(report).toMatchObject({ suite: 'numbers', variants: ['a', 'b'] });
            const cell = (caseId: string, variant: string) => report.results.find((result) => result.caseId === caseId && result.variant === variant);
            expect(report.results.map((result) => [result.caseId, result.variant, result.pass])).toEqual([
              ['text-and-tool', 'a', true],
              ['text-and-tool', 'b', false],
              ['n-is-two', 'a', false],
              ['n-is-two', 'b', false],
            ]);
            // Under a: the pointer and the judge pass, the step limit does not (two steps).
            expect(cell('n-is-two', 'a')?.checks.map((check) => [check.check, check.pass])).toEqual([
              ['/n equals "2"', true],
              ['judged', true],
              ['at most 1 steps', false],
            ]);
            expect(cell('n-is-two', 'a')?.score).toBeCloseTo((1 + 0.9 + 0) / 3, 5);
            expect(cell('text-and-tool', 'b')?.checks.find((check) => check.check.startsWith('tool sleep'))).toMatchObject({ pass: false, detail: 'called: no tool' });
            expect(report.summary.map((summary) => [summary.variant, summary.cases, summary.passed])).toEqual([
              ['a', 2, 1],
              ['b', 2, 0],
            ]);
            // Each case run is a child of the eval, named after it; each rubric check a judge run of its own.
            const child = cell('n-is-two', 'b')?.workflowId ?? '';
            expect(child).toBe(`${handle.evalId}.n-is-two.b`);
            expect((await client.workflow.getHandle(`${child}.judge-2`).describe()).status.name).toBe('COMPLETED');
            expect(await handle.progress()).toMatchObject({ total: 4, done: 4, running: 0 });
            await recordHistory(client.workflow.getHandle(handle.evalId), 'eval-two-variants');

            await expect(agents.startEval({ ...SUITE, cases: [{ id: 'x', checks: [] }] })).rejects.toThrow(/invalid eval suite: .*cases/);
            await expect(agents.startEval(SUITE, { variants: ['c'] })).rejects.toThrow('the suite has no variant "c": it has a, b');
            await expect(agents.startEval({ ...SUITE, cases: [SUITE.cases[0], SUITE.cases[0]] })).rejects.toThrow(InvalidRunInputError);
          } finally {
            await agents.close();
          }
        },
        { tools: createTestTools().tools, model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 } },
      );
    } finally {
      await model.close();
    }
  });

  it('a worker SIGKILLed mid-eval: the next worker finishes it without running finished cases again', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'eval-kill-'));
    const effects = join(folder, 'effects.log');
    // Each case run calls `effect` once (named after its goal, 1.5 s), then answers.
    const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'effect', arguments: { name: '{{goal}}', ms: 1_500 } }] }, { content: 'done' }] }));
    const taskQueue = uniqueTaskQueue('eval-kill');
    const env = { ...process.env, TEMPORAL_ADDRESS: testConfig().address, FAULT_TASK_QUEUE: taskQueue, FAULT_MODEL_URL: model.baseURL, FAULT_EFFECTS_LOG: effects, DURABLE_AGENT_TEST_BUNDLE: testWorkflowBundlePath() };
    const suite = { name: 'kill', cases: Array.from({ length: 6 }, (_, index) => ({ id: `case-${index + 1}`, goal: `goal-${index + 1}`, checks: [{ toolCalled: 'effect' }] })) };
    const agents = await AgentClient.connect(testConfig());
    let second: ReturnType<typeof startWorkerProcess> | undefined;
    const first = startWorkerProcess(env);
    try {
      const handle = await agents.startEval(suite, { taskQueue, concurrency: 2 });
      // Two case runs finished (their effect done and their answer in): kill the worker in the middle of the rest.
      await until('two case runs done', async () => ((await handle.progress()).done >= 2 ? true : undefined), 60_000, 100);
      first.kill('SIGKILL');
      await waitForExit(first);
      const doneBeforeKill = readEffects(effects).filter((line) => line.event === 'done').map((line) => line.name);
      second = startWorkerProcess(env);
      const report = await handle.result();
      expect(report.results.map((result) => [result.caseId, result.pass])).toEqual(suite.cases.map((entry) => [entry.id, true]));
      // A case whose effect was done before the kill never started it again; every case's effect finished.
      const lines = readEffects(effects);
      for (const name of doneBeforeKill) expect({ name, starts: lines.filter((line) => line.event === 'start' && line.name === name).length }).toEqual({ name, starts: 1 });
      expect(new Set(lines.filter((line) => line.event === 'done').map((line) => line.name))).toEqual(new Set(suite.cases.map((entry) => entry.goal)));
      // Every case run is one execution: none was started twice.
      for (const result of report.results) expect((await agents.client.workflow.count(`WorkflowId = '${result.workflowId}'`)).count).toBe(1);
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      if (second) await waitForExit(second);
      await agents.close();
      await model.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
