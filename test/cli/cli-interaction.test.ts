import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { AgentClient, AgentRunHandle, type Pending, type RunEvent } from '../../src/client';
import { connectClient } from '../../src/config/connect';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { createWorker } from '../../src/worker';
import { withAgent } from '../helpers/agent';
import { cliEnvironment, runCli, startCli, waitForOutput, STACK_TRACE } from '../helpers/cli';
import { installQuietRuntime, testConfig, testWorkflowBundlePath, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';
import { createDeployTool } from '../helpers/test-tools';

const FINAL = { content: 'Done. I saw: {{observations}}' };

const jsonLines = (text: string): RunEvent[] => text.trim().split('\n').map((line) => JSON.parse(line) as RunEvent);

/** `pending`, `approve`, `deny`, `reply`, `follow` as a user runs them, against the real server (issue 13). */
describe('durable-agent approvals and questions', () => {
  jest.setTimeout(180_000);

  it('pending → approve with edited arguments → deny → refusals → reply → follow, through the real CLI', async () => {
    const deploy = createDeployTool();
    const script = {
      turns: [
        { toolCalls: [{ name: 'deploy', arguments: { service: 'api', version: '1.0' } }, { name: 'deploy', arguments: { service: 'web', version: '2.0' } }] },
        { toolCalls: [{ name: 'ask_user', arguments: { question: 'Which region?' } }] },
        FINAL,
      ],
    };
    await withAgent(script, [deploy.tool], async ({ client, taskQueue }) => {
      const env = cliEnvironment(taskQueue);
      // Through AgentClient, as the CLI starts runs: it sets the search attributes that `list --status` filters on.
      const run = await new AgentClient(client, testConfig()).start({ goal: 'deploy two services' }, { taskQueue, workflowId: `${taskQueue}-gated` });
      const id = run.workflowId;
      await until('two calls awaiting approval', async () => ((await run.pending()).approvals.length === 2 ? true : undefined));

      const pendingJson = await runCli(['pending', id, '--json'], env);
      expect(pendingJson.code).toBe(0);
      const pending = JSON.parse(pendingJson.stdout) as Pending;
      expect(pending.questions).toEqual([]);
      expect(pending.approvals.map((call) => [call.callId, call.tool, call.arguments])).toEqual([
        ['s1-1', 'deploy', { service: 'api', version: '1.0' }],
        ['s1-2', 'deploy', { service: 'web', version: '2.0' }],
      ]);
      expect(pending.approvals[0]?.expiresAt).toBeGreaterThan(pending.approvals[0]?.askedAt ?? Infinity);

      // `status` of the waiting run names what it waits for and the commands that answer it.
      const waitingStatus = await runCli(['status', id], env);
      expect(waitingStatus.stdout).toContain(`awaiting a decision: deploy (s1-1) · durable-agent approve ${id} s1-1 | durable-agent deny ${id} s1-1`);
      expect(JSON.parse((await runCli(['status', id, '--json'], env)).stdout)).toMatchObject({ waitingFor: { approvals: [{ callId: 's1-1', tool: 'deploy' }, { callId: 's1-2', tool: 'deploy' }], questions: [] } });

      const pendingText = await runCli(['pending', id], env);
      expect(pendingText.code).toBe(0);
      expect(pendingText.stdout).toContain(`${id}: waiting_for_approval`);
      expect(pendingText.stdout).toContain('s1-1  deploy {"service":"api","version":"1.0"}');
      expect(pendingText.stdout).toContain(`durable-agent approve ${id} s1-1`);
      expect(pendingText.stdout).toContain(`durable-agent deny ${id} s1-2 --reason`);

      // The search attribute says it too.
      await until('list --status waiting_for_approval to show the run', async () => {
        const listed = await runCli(['list', '--status', 'waiting_for_approval', '--json'], env);
        return (JSON.parse(listed.stdout) as Array<{ workflowId: string }>).some((entry) => entry.workflowId === id) ? true : undefined;
      });

      // Refusals: exit 2 with the run's reason, nothing recorded.
      const unknownCall = await runCli(['approve', id, 's9-9'], env);
      expect(unknownCall.code).toBe(2);
      expect(unknownCall.stderr).toContain('there is no call s9-9 in this run');
      const badJson = await runCli(['approve', id, 's1-1', '--args', '{"service":'], env);
      expect(badJson.code).toBe(2);
      expect(badJson.stderr).toContain('Expected --args to be a JSON object');
      const badSchema = await runCli(['approve', id, 's1-1', '--args', '{"service":"api"}'], env);
      expect(badSchema.code).toBe(2);
      expect(badSchema.stderr).toMatch(/refused: the edited arguments do not match the input schema of deploy/);
      const unknownRun = await runCli(['approve', `${id}-nope`, 's1-1'], env);
      expect(unknownRun.code).toBe(5);

      const approved = await runCli(['approve', id, 's1-1', '--args', '{"service":"api","version":"1.1"}'], env);
      expect(approved.code).toBe(0);
      expect(approved.stdout).toBe(`Approved s1-1 of run ${id} with edited arguments: the call runs now.\n`);
      const denied = await runCli(['deny', id, 's1-2', '--reason', 'web is frozen'], env);
      expect(denied.code).toBe(0);
      expect(denied.stdout).toContain(`Denied s1-2 of run ${id}`);
      const again = await runCli(['deny', id, 's1-1'], env);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already decided \(approved\)/);
      expect(again.stderr).not.toMatch(STACK_TRACE);

      // The question of step 2.
      const question = await until('the question', async () => (await run.pending()).questions[0]);
      const withQuestion = JSON.parse((await runCli(['pending', id, '--json'], env)).stdout) as Pending;
      expect(withQuestion).toMatchObject({ approvals: [], questions: [{ questionId: question.questionId, question: 'Which region?' }] });
      expect((await runCli(['pending', id], env)).stdout).toContain(`durable-agent reply ${id} "…"`);
      const wrongQuestion = await runCli(['reply', id, 'eu', '--question', 'nope'], env);
      expect(wrongQuestion.code).toBe(2);
      const replied = await runCli(['reply', id, 'eu-west-1,', 'please'], env);
      expect(replied.code).toBe(0);
      expect(replied.stdout).toBe(`Answered question ${question.questionId} of run ${id}.\n`);

      const result = await run.result();
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 1 } });
      expect(result.answer).toContain('eu-west-1, please');
      expect(deploy.ran).toEqual([{ service: 'api', version: '1.1' }]);

      // After the end: a decision is refused, and nothing is pending.
      const late = await runCli(['approve', id, 's1-2'], env);
      expect(late.code).toBe(2);
      expect(late.stderr).toContain('the run has ended (final)');
      expect(JSON.parse((await runCli(['pending', id, '--json'], env)).stdout)).toEqual({ approvals: [], questions: [] });

      // follow: JSON lines from 0 to run_ended, the same tail from an offset, and a readable form.
      const all = await runCli(['follow', id, '--json'], env);
      expect(all.code).toBe(0);
      const events = jsonLines(all.stdout);
      expect(events.map((event) => event.offset)).toEqual(events.map((_event, index) => index));
      expect(events.at(-1)?.type).toBe('run_ended');
      const order = events.map((event) => `${event.type}${event.callId ? ` ${event.callId}` : ''}`);
      expect(order).toEqual(expect.arrayContaining(['approval_needed s1-1', 'approval_decided s1-2', 'call_denied s1-2', `question_asked ${question.questionId}`]));
      const tail = await runCli(['follow', id, '--from', '4', '--json'], env);
      expect(tail.code).toBe(0);
      expect(jsonLines(tail.stdout)).toEqual(events.slice(4));
      const readable = await runCli(['follow', id], env);
      expect(readable.code).toBe(0);
      expect(readable.stdout).toMatch(/^#0 \d\d:\d\d:\d\d step 1 step_started/);
      expect(readable.stdout).toContain(`durable-agent approve ${id} s1-1`);
      expect(readable.stdout).toContain(`Run ${id} ended: final.`);
      // The answer itself, as `result` prints it: no second command needed.
      expect(readable.stdout).toMatch(/Answer\nDone\. I saw: /);
      expect(readable.stdout).toMatch(/status final · 3 steps/);
      expect((await runCli(['follow', `${id}-nope`], env)).code).toBe(5);
    });
  });

  it('follow exits 1 for a run that ended without a final answer', async () => {
    const script = { turns: [{ toolCalls: [{ name: 'ask_user', arguments: { question: 'Anyone?' } }] }, FINAL] };
    await withAgent(script, [], async ({ start, taskQueue }) => {
      const started = await start({ goal: 'ask', maxSteps: 1 });
      const env = cliEnvironment(taskQueue);
      const following = startCli(['follow', started.workflowId, '--json'], env);
      await waitForOutput(following, /"type":"question_asked"/, 30_000);
      expect((await runCli(['reply', started.workflowId, 'nobody'], env)).code).toBe(0);
      const done = await following.done;
      expect(jsonLines(done.stdout).at(-1)?.type).toBe('run_ended');
      expect(((await started.result()) as AgentRunResult).status).toBe('max_steps');
      expect(done.code).toBe(1);
    });
  });

  it('pause and resume, derived from the interaction table: status shows paused, refusals exit with the reason', async () => {
    const script = { turns: [{ toolCalls: [{ name: 'ask_user', arguments: { question: 'Go on?' } }] }, { toolCalls: [{ name: 'wait', arguments: { seconds: 0, reason: 'step 2' } }] }, FINAL] };
    await withAgent(script, [], async ({ start, client, taskQueue }) => {
      const started = await start({ goal: 'pause between steps' });
      const id = started.workflowId;
      const env = cliEnvironment(taskQueue);
      const run = new AgentRunHandle(client, id, 'default');
      await until('the question', async () => ((await run.pending()).questions.length === 1 ? true : undefined));
      const pausing = await runCli(['pause', id, '--reason', 'review first'], env);
      expect(pausing).toMatchObject({ code: 0 });
      expect(pausing.stdout).toContain(`Run ${id} pauses before its next step. Resume it with \`durable-agent resume ${id}\`.`);
      expect((await runCli(['reply', id, 'yes'], env)).code).toBe(0);
      await until('the pause', async () => ((await run.state()).status === 'paused' ? true : undefined));
      const status = await runCli(['status', id], env);
      expect(status.stdout).toContain('paused');
      const again = await runCli(['pause', id], env);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('the run is paused already');
      expect(again.stderr).toContain(`Nothing was recorded; see what the run waits for with \`durable-agent pending ${id}\``);
      const resumed = await runCli(['resume', id], env);
      expect(resumed).toMatchObject({ code: 0, stdout: `Run ${id} goes on.\n` });
      expect(((await started.result()) as AgentRunResult).status).toBe('final');
    });
  });

  it('an attached run prints what it waits for, with the command that answers it, once', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-cli-interaction-'));
    try {
      const path = join(folder, 'gated.json');
      writeFileSync(path, JSON.stringify({ turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, FINAL] }));
      const env = cliEnvironment(uniqueTaskQueue('cli-attached'));
      const attached = startCli(['run', '--script', path, '--require-approval', 'list_dir', 'look', 'around'], env);
      const [, id] = await waitForOutput(attached, /durable-agent approve (\S+) s1-1/, 60_000);
      expect(attached.output().stdout).toMatch(/Waiting for approval: s1-1 {2}list_dir \{"path":"\."\}/);
      const approved = await runCli(['approve', id ?? '', 's1-1'], env);
      expect(approved.code).toBe(0);
      const done = await attached.done;
      expect(done.code).toBe(0);
      expect(done.stdout.match(/Waiting for approval: s1-1/g)).toHaveLength(1);
      expect(done.stdout).toMatch(/status final/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('approve with no worker up says so after a few seconds, and the decision is applied when a worker starts', async () => {
    installQuietRuntime();
    const deploy = createDeployTool();
    const config = testConfig();
    const taskQueue = uniqueTaskQueue('cli-no-worker');
    const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'deploy', arguments: { service: 'api', version: '1.0' } }] }, FINAL] }));
    const connection = await NativeConnection.connect(config.connectionOptions);
    const client = await connectClient(config);
    const newWorker = () =>
      createWorker({
        config,
        connection,
        taskQueue,
        workflowBundle: { codePath: testWorkflowBundlePath() },
        tools: [deploy.tool],
        model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 },
      });
    let approving: ReturnType<typeof startCli> | undefined;
    try {
      const first = await newWorker();
      const firstRunning = first.run();
      const started = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-1`, args: [{ goal: 'deploy' }] });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      await until('the call to await approval', async () => ((await run.pending()).approvals.length === 1 ? true : undefined));
      first.shutdown();
      await firstRunning;

      approving = startCli(['approve', started.workflowId, 's1-1'], cliEnvironment(taskQueue));
      await waitForOutput(approving, /no worker has taken the decision yet; it will be applied when a worker starts \(`durable-agent worker` on task queue "[^"]+"\)/, 30_000, 'stderr');
      expect(approving.exitCode).toBeNull();

      const second = await newWorker();
      await second.runUntil(async () => {
        const done = await approving!.done;
        expect(done.code).toBe(0);
        expect(done.stdout).toContain('Approved s1-1');
        expect(((await started.result()) as AgentRunResult).status).toBe('final');
      });
      expect(deploy.ran).toEqual([{ service: 'api', version: '1.0' }]);
    } finally {
      if (approving && approving.exitCode === null) approving.kill('SIGKILL');
      await client.connection.close();
      await connection.close();
      await model.close();
    }
  });
});
