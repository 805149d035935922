import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileScript, type ScriptTurn } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { historyEvents, recordHistory } from '../helpers/agent';
import { saveFigure } from '../helpers/figures';
import { withTestWorker } from '../helpers/temporal';

const ANSWERS = 1_000;
const CONCURRENT_RUNS = 50;

/** A small deterministic PRNG, so a failure names an answer that can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** One garbage answer of a random shape. */
function garbage(index: number, next: () => number): { shape: string; turn: ScriptTurn } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const junk = () => pick(['{not json', '', '[1,2,3]', 'null', '"just a string"', '{"path":', '\u0000\u0001', '{}}', '{"path": 42}', 'undefined']);
  const shapes: Array<() => { shape: string; turn: ScriptTurn }> = [
    () => ({ shape: 'arguments not JSON', turn: { toolCalls: [{ name: pick(['list_dir', 'read_file', 'wait']), rawArguments: junk() }] } }),
    () => ({ shape: 'unknown tool', turn: { toolCalls: [{ name: pick([`nope_${index}`, '../../etc/passwd', 'plan', 'describeTools', 'x'.repeat(300)]), arguments: { a: index } }] } }),
    () => ({ shape: 'wrong argument types', turn: { toolCalls: [{ name: pick(['read_file', 'list_dir', 'wait', 'http_get']), arguments: pick([{ path: 42 }, { seconds: 'soon' }, { url: ['x'] }, [], 7]) }] } }),
    () => ({ shape: 'empty choices', turn: { rawResponse: { id: 'x', object: 'chat.completion', choices: [] } } }),
    () => ({ shape: 'no message', turn: { rawResponse: { choices: [{ index: 0, finish_reason: 'stop' }] } } }),
    () => ({ shape: 'wrong types', turn: { rawResponse: pick([
      { choices: [{ message: { role: 'assistant', content: 123 } }] },
      { choices: [{ message: { role: 'assistant', content: null, tool_calls: 'all of them' } }] },
      { choices: [{ message: { role: 'assistant', tool_calls: [{ id: 1, function: { name: 5 } }] } }] },
      { choices: 'none' },
      { choices: [{ message: { content: 'fine' } }], usage: 'lots' },
    ]) } }),
    () => ({ shape: 'not a completion', turn: pick<ScriptTurn>([{ rawResponse: null }, { rawResponse: [] }, { rawResponse: 'text' }, { rawBody: 'this is not json' }, { rawBody: '' }]) }),
    () => ({ shape: 'huge content', turn: { content: 'y'.repeat(50_000 + Math.floor(next() * 150_000)) } }),
    () => ({ shape: 'many bad calls', turn: { toolCalls: Array.from({ length: 20 + Math.floor(next() * 30) }, (_, call) => ({ name: `ghost_${call}`, rawArguments: junk() })) } }),
  ];
  return pick(shapes)();
}

/**
 * 1,000 garbage model answers, one per run (run i uses model `fuzz-i`, whose script is that answer and then a
 * plain final answer). No answer may fail a workflow task; every run must end with a clear status.
 */
describe('model-output fuzz', () => {
  it(`survives ${ANSWERS} garbage answers with zero workflow task failures`, async () => {
    const next = random(20261124);
    const cases = Array.from({ length: ANSWERS }, (_, index) => garbage(index, next));
    const scripts = new Map(cases.map((entry, index) => [`fuzz-${index}`, compileScript({ turns: [entry.turn, { content: 'recovered' }] })]));
    const model = await startScriptedModel(compileScript({ turns: [{ content: 'unused' }] }), { scriptsByModel: scripts });
    const workspace = mkdtempSync(join(tmpdir(), 'durable-agent-fuzz-run-'));
    try {
      await withTestWorker(
        'fuzz',
        async ({ client, taskQueue }) => {
          const results: Array<{ workflowId: string; shape: string; result: AgentRunResult }> = [];
          let nextIndex = 0;
          const runner = async () => {
            while (nextIndex < ANSWERS) {
              const index = nextIndex++;
              const workflowId = `${taskQueue}-${index}`;
              const result = (await client.workflow.execute('agentWorkflow', {
                taskQueue,
                workflowId,
                args: [{ goal: `fuzz ${index}`, model: `fuzz-${index}`, maxSteps: 3 }],
              })) as AgentRunResult;
              results.push({ workflowId, shape: cases[index]?.shape ?? '?', result });
            }
          };
          const startedAt = Date.now();
          await Promise.all(Array.from({ length: CONCURRENT_RUNS }, runner));
          const wallMs = Date.now() - startedAt;
          expect(results).toHaveLength(ANSWERS);

          for (const { shape, result } of results) {
            expect({ shape, status: result.status }).toEqual({ shape, status: expect.stringMatching(/^(final|failed)$/) });
            if (result.status === 'failed') expect({ shape, type: result.error?.type }).toEqual({ shape, type: 'ModelInvocationError.MalformedOutput' });
          }
          const byShape = new Map<string, Set<string>>();
          for (const { shape, result } of results) byShape.set(shape, (byShape.get(shape) ?? new Set()).add(result.status));
          expect(byShape.get('empty choices')).toEqual(new Set(['failed']));
          expect(byShape.get('arguments not JSON')).toEqual(new Set(['final']));

          // No workflow task failed in any history.
          const taskFailures: string[] = [];
          let cursor = 0;
          await Promise.all(
            Array.from({ length: 20 }, async () => {
              while (cursor < results.length) {
                const entry = results[cursor++];
                if (!entry) break;
                const events = await historyEvents(client.workflow.getHandle(entry.workflowId));
                if (events.some((event) => event.workflowTaskFailedEventAttributes)) taskFailures.push(`${entry.workflowId} (${entry.shape})`);
              }
            }),
          );
          expect(taskFailures).toEqual([]);
          const shapes = Object.fromEntries([...byShape.keys()].map((shape) => [shape, results.filter((entry) => entry.shape === shape).length]));
          saveFigure('model-output-fuzz', {
            answers: ANSWERS,
            final: results.filter((entry) => entry.result.status === 'final').length,
            failedMalformedOutput: results.filter((entry) => entry.result.status === 'failed').length,
            workflowTaskFailures: taskFailures.length,
            wallMs,
            shapes,
          });
          const firstOf = (shape: string) => results.find((entry) => entry.shape === shape);
          for (const shape of ['wrong types', 'many bad calls']) {
            const entry = firstOf(shape);
            if (entry) await recordHistory(client.workflow.getHandle(entry.workflowId), `agent-fuzz-${shape.replace(/\s+/g, '-')}`);
          }
        },
        {
          builtinTools: { workspace, httpAllow: [], httpMaxBytes: 4_096, readMaxBytes: 4_096, waitMaxSeconds: 1 },
          model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 },
        },
      );
    } finally {
      await model.close();
      rmSync(workspace, { recursive: true, force: true });
    }
  }, 300_000);
});
