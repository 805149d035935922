import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../../src/client';
import { EXIT_CODES } from '../../src/cli/exit-codes';
import { withAgent } from '../helpers/agent';
import { cliEnvironment, runCli } from '../helpers/cli';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';

const sleepCall = (label: string) => ({ toolCalls: [{ name: 'sleep', arguments: { label, ms: 10 } }] });

/** `fork`, `status` of a fork and `list --forks-of`, as a user runs them (docs/forks.md). */
describe('durable-agent fork', () => {
  jest.setTimeout(120_000);

  it('forks with an edited result and a given answer, shows the lineage, and refuses bad input with what to do', async () => {
    const script = { turns: [sleepCall('one'), sleepCall('two'), { content: 'original: {{observations}}' }] };
    const folder = mkdtempSync(join(tmpdir(), 'fork-cli-'));
    try {
      await withAgent(script, createTestTools().tools, async ({ client, taskQueue }) => {
        const env = cliEnvironment(taskQueue);
        const original = await new AgentClient(client, testConfig()).start({ goal: 'Sleep twice' }, { taskQueue });
        await original.result();
        const id = original.workflowId;

        // An edited result of call s1-1 from a file: the model's answer at step 3 is made of what it was shown.
        writeFileSync(join(folder, 'result.txt'), 'EDITED FROM A FILE');
        const edited = await runCli(['fork', id, '--at-step', '2', '--tool-result', `s1-1=@${join(folder, 'result.txt')}`, '--json'], env);
        expect(edited.code).toBe(EXIT_CODES.ok);
        expect(edited.stderr).toMatch(new RegExp(`^Forked ${id} at step 2: \\S+`));
        expect(JSON.parse(edited.stdout)).toMatchObject({ status: 'final', steps: 3 });

        const given = await runCli(['fork', id, '--at-step', '2', '--answer', 'A GIVEN ANSWER', '--detach', '--json'], env);
        expect(given.code).toBe(EXIT_CODES.ok);
        const started = JSON.parse(given.stdout) as { workflowId: string; forkOf: string; atStep: number };
        expect(started).toMatchObject({ forkOf: id, atStep: 2 });
        const result = await runCli(['result', started.workflowId], env);
        expect(result.stdout).toContain('A GIVEN ANSWER');
        const status = await runCli(['status', started.workflowId], env);
        expect(status.stdout).toContain(`forked from ${id} at step 2 · durable-agent status ${id}`);
        const forks = await until('both forks listed', async () => {
          const listed = JSON.parse((await runCli(['list', '--forks-of', id, '--json'], env)).stdout) as Array<{ workflowId: string; forkOf: string }>;
          return listed.length === 2 ? listed : undefined;
        });
        expect(forks.every((fork) => fork.forkOf === id)).toBe(true);

        const beyond = await runCli(['fork', id, '--at-step', '9'], env);
        expect(beyond.code).toBe(EXIT_CODES.usage);
        expect(beyond.stderr).toContain(`run ${id} has planned 3 steps so far: fork at a step from 1 to 3`);
        const both = await runCli(['fork', id, '--at-step', '2', '--answer', 'x', '--answer-json', '{"toolCalls":[]}'], env);
        expect(both.stderr).toContain('Give either --answer or --answer-json, not both.');
        const badCall = await runCli(['fork', id, '--at-step', '2', '--tool-result', 'no-equals-sign'], env);
        expect(badCall.stderr).toContain('Expected CALL=TEXT or CALL=@FILE');
      });

      // With no worker on the original's queue, the fork says how to get one.
      const lonelyQueue = uniqueTaskQueue('fork-no-worker');
      const agents = await AgentClient.connect(testConfig());
      const lonely = await agents.start({ goal: 'Nobody serves this' }, { taskQueue: lonelyQueue });
      const noWorker = await runCli(['fork', lonely.workflowId, '--at-step', '1'], cliEnvironment(lonelyQueue));
      expect(noWorker.code).toBe(EXIT_CODES.noWorker);
      expect(noWorker.stderr).toContain(`start a worker with \`TEMPORAL_TASK_QUEUE=${lonelyQueue} durable-agent worker\``);
      await lonely.terminate('test: done');
      await agents.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
