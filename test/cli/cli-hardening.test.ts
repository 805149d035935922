import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowUpdateStage } from '@temporalio/client';
import { AgentClient } from '../../src/client';
import { EXIT_CODES } from '../../src/cli/exit-codes';
import { decideUpdate } from '../../src/contracts/definitions';
import { loadTemporalConfig } from '../../src/config/temporal-config';
import { startDevServer } from '../../src/temporal-server/dev-server';
import { runCli, startCli, startSilentTcpServer, STACK_TRACE, waitForOutput } from '../helpers/cli';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { withFixtureWorker } from '../fixtures/with-fixture-worker';

/**
 * The CLI never hangs, crashes or lies: each case is a failure a user met, replayed with the real CLI against
 * real servers (the shared dev server, a dev server this file kills, a socket that never answers).
 */
describe('durable-agent CLI under failure', () => {
  jest.setTimeout(120_000);
  let folder: string;
  let env: NodeJS.ProcessEnv;
  let agents: AgentClient;

  const script = (name: string, value: unknown): string => {
    const path = join(folder, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const json = <T>(text: string): T => JSON.parse(text.trim().split('\n').at(-1) ?? '') as T;
  /** A run that no worker will ever pick up (its queue has none), so it stays RUNNING until ended from outside. */
  const startOrphanRun = async (taskQueue = uniqueTaskQueue('orphan')) => agents.start({ goal: 'wait for a worker' }, { taskQueue });
  /** Ends a run from outside, as an operator would with `temporal workflow terminate`. */
  const terminate = (workflowId: string, reason = 'test done') => agents.client.workflow.getHandle(workflowId).terminate(reason);

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-hardening-'));
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...rest } = process.env;
    env = { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default', NO_COLOR: '1' };
    agents = await AgentClient.connect(testConfig());
  });
  afterAll(async () => {
    await agents.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('status of a running run with no worker answers from the server at once, says why the live view is missing, and exits 0', async () => {
    const shared = await startOrphanRun();
    const local = await startOrphanRun(`durable-agent-local-${randomUUID().slice(0, 8)}`);
    try {
      // runCli fails the test if a command outlives 20 s (the query used to hang, then crash the process at ~30 s).
      const status = await runCli(['status', shared.workflowId, '--json'], env, 20_000);
      expect(status.code).toBe(0);
      expect(json(status.stdout)).toMatchObject({ workflowId: shared.workflowId, executionStatus: 'RUNNING', agentStatus: 'running', live: false });
      expect(status.stderr).toContain('No worker answered the live-state query');
      expect(status.stderr).toMatch(/Start a worker with `TEMPORAL_TASK_QUEUE=test-orphan-\S+ durable-agent worker`/);
      expect(status.stderr).not.toMatch(STACK_TRACE);

      const human = await runCli(['status', local.workflowId], env, 20_000);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain(`${local.workflowId}: running (Temporal: RUNNING)`);
      expect(human.stderr).toContain('nothing can resume it');
      expect(human.stderr).toContain(`durable-agent cancel ${local.workflowId}`);

      // ... and that advice works: with no worker left to end it, the private run is terminated.
      const cancel = await runCli(['cancel', local.workflowId, '--json'], env, 30_000);
      expect(json(cancel.stdout)).toEqual({ workflowId: local.workflowId, status: 'terminated' });
      expect((await local.describe()).executionStatus).toBe('TERMINATED');
    } finally {
      await Promise.all([terminate(shared.workflowId), terminate(local.workflowId).catch(() => undefined)]);
    }
  });

  it('a namespace that does not exist is a configuration error (exit 3) that says how to create or list namespaces', async () => {
    const namespaceEnv = { ...env, TEMPORAL_NAMESPACE: `no-such-namespace-${randomUUID().slice(0, 8)}` };
    const [status, run] = await Promise.all([
      runCli(['status', 'any-run'], namespaceEnv, 20_000),
      runCli(['run', '--json', 'anything'], namespaceEnv, 20_000),
    ]);
    for (const result of [status, run]) {
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`namespace "${namespaceEnv.TEMPORAL_NAMESPACE}" does not exist`);
      expect(result.stderr).toContain('temporal operator namespace create');
      expect(result.stderr).toContain('temporal operator namespace list');
      expect(result.stderr).not.toMatch(STACK_TRACE);
    }
    expect(run.stdout).toBe('');
  });

  it('an address that accepts TCP and never answers: exit 4 right after the message', async () => {
    const silent = await startSilentTcpServer();
    try {
      const timed = async (args: string[]) => {
        const child = startCli(args, { ...env, TEMPORAL_ADDRESS: silent.address });
        const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
        await waitForOutput(child, /cannot reach Temporal/, 40_000, 'stderr').catch(() => undefined);
        const printedAt = Date.now();
        const result = await child.done;
        clearTimeout(killer);
        return { result, afterMessageMs: Date.now() - printedAt };
      };
      const outcomes = await Promise.all([timed(['status', 'any-run']), timed(['run', 'anything'])]);
      for (const { result, afterMessageMs } of outcomes) {
        // It used to print at ~5 s and exit at ~30 s; a generous bound still tells the two apart.
        expect(afterMessageMs).toBeLessThan(8_000);
        expect(result.code).toBe(4);
        expect(result.stderr).toContain(`cannot reach Temporal at ${silent.address}: it accepts TCP connections but gave no gRPC answer`);
      }
    } finally {
      await silent.close();
    }
  });

  it('a server killed during `run --json`: exit 4 with one message on stderr, stdout holds no log lines', async () => {
    const dataFolder = mkdtempSync(join(tmpdir(), 'durable-agent-doomed-'));
    const server = await startDevServer({ port: 0, uiPort: 0, dbFile: join(dataFolder, 'temporal.sqlite'), onProgress: () => undefined });
    const slow = script('slow-for-kill.json', { turns: [{ content: 'too late', delayMs: 60_000 }] });
    const child = startCli(['run', '--script', slow, '--json', 'outlive', 'the', 'server'], { ...env, TEMPORAL_ADDRESS: server.address });
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    try {
      await waitForOutput(child, /Run \S+ started/, 60_000, 'stderr');
      process.kill(server.pid, 'SIGKILL');
      const result = await child.done;
      expect(result.signal).toBeNull();
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(`lost the connection to Temporal at ${server.address}`);
      expect(result.stderr).not.toMatch(STACK_TRACE);
      // At most one JSON document on stdout (here none: there is no result), never a log line.
      const lines = result.stdout.split('\n').filter(Boolean);
      expect(lines.length).toBeLessThanOrEqual(1);
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
      await server.stop();
      rmSync(dataFolder, { recursive: true, force: true });
    }
  });

  it('a terminated run shows as terminated in status, list and cancel, and result says it has no result', async () => {
    const run = await startOrphanRun();
    await terminate(run.workflowId, 'ended by the test');

    const status = await runCli(['status', run.workflowId, '--json'], env);
    expect(json(status.stdout)).toMatchObject({ workflowId: run.workflowId, executionStatus: 'TERMINATED', agentStatus: 'terminated' });

    // Visibility catches up asynchronously: wait until the run is listed as terminated, then it must not be "running".
    let terminated: Array<{ workflowId: string; agentStatus: string }> = [];
    for (let attempt = 0; attempt < 40 && !terminated.some((entry) => entry.workflowId === run.workflowId); attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      terminated = json((await runCli(['list', '--status', 'terminated', '--limit', '1000', '--json'], env)).stdout);
    }
    expect(terminated).toContainEqual(expect.objectContaining({ workflowId: run.workflowId, agentStatus: 'terminated' }));
    const running: Array<{ workflowId: string }> = json((await runCli(['list', '--status', 'running', '--limit', '1000', '--json'], env)).stdout);
    expect(running.map((entry) => entry.workflowId)).not.toContain(run.workflowId);

    const cancel = await runCli(['cancel', run.workflowId, '--json'], env);
    expect(cancel.code).toBe(0);
    expect(json(cancel.stdout)).toEqual({ workflowId: run.workflowId, status: 'terminated', alreadyEnded: true });

    const result = await runCli(['result', run.workflowId], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ended without a result: it was terminated (reason: ended by the test)');
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('--tools "" (and " , ") offers the model no tools at all', async () => {
    const path = script('wants-a-tool.json', { turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, { content: 'Saw: {{observations}}' }] });
    for (const tools of ['', ' , ']) {
      const run = await runCli(['run', '--script', path, '--tools', tools, '--json', 'look'], env, 60_000);
      expect(run.code).toBe(0);
      const result = json<{ answer: string; toolCalls: { ok: number; failed: number } }>(run.stdout);
      // With every tool allowed, the scripted model would have called list_dir (toolCalls.ok 1).
      expect(result.toolCalls).toEqual({ ok: 0, failed: 0 });
      expect(result.answer).toContain('no tools were offered');
      expect(run.stderr).toContain('Tools: none');
    }
  });

  it('a failed call shows once, in run\'s own progress, with no SDK "Activity failed" line', async () => {
    const path = script('reads-a-missing-file.json', { turns: [{ toolCalls: [{ name: 'read_file', arguments: { path: 'no-such-file.txt' } }] }, { content: 'Could not read it.' }] });
    const run = await runCli(['run', '--script', path, 'read', 'it'], env, 60_000);
    expect(run.code).toBe(0);
    const output = `${run.stdout}${run.stderr}`;
    expect(output).toMatch(/✗ read_file \(s1-1\) .*ToolError/);
    expect(output).not.toMatch(/Activity failed/);
  });

  it('--id of a finished or running run is refused (exit 2) instead of starting over', async () => {
    const id = `reuse-${randomUUID().slice(0, 8)}`;
    const quick = script('quick.json', { turns: [{ content: 'done' }] });
    const first = await runCli(['run', '--script', quick, '--id', id, '--json', 'once'], env, 60_000);
    expect(first.code).toBe(0);
    const again = await runCli(['run', '--script', quick, '--id', id, '--json', 'twice'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`the id "${id}" belongs to a run that already ended (final)`);
    expect(again.stdout).toBe('');

    const running = await startOrphanRun();
    try {
      const clash = await runCli(['run', '--detach', '--id', running.workflowId, 'clash'], env);
      expect(clash.code).toBe(2);
      expect(clash.stderr).toContain(`a run with id "${running.workflowId}" is already running`);
    } finally {
      await terminate(running.workflowId);
    }
  });

  it('approve on a run whose Update slots are all taken exits 7 at once, saying to try again (it was 70 after ~40 s)', async () => {
    await withFixtureWorker(require.resolve('../fixtures/held-updates-workflow'), {}, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start('heldUpdatesWorkflow', { taskQueue, workflowId: `held-${taskQueue}` });
      try {
        // Ten accepted Updates that are never answered take every slot Temporal gives one run.
        const hold = (index: number) => handle.startUpdate(decideUpdate, { args: [{ callId: `s1-${index}`, decision: 'approve' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
        await Promise.all(Array.from({ length: 10 }, (_, index) => hold(index + 1)));
        const startedAt = Date.now();
        const approve = await runCli(['approve', handle.workflowId, 's1-1'], env, 30_000);
        expect(approve.code).toBe(EXIT_CODES.busy);
        expect(approve.stderr).toContain(
          `durable-agent: run "${handle.workflowId}" has too many requests in flight (RESOURCE_EXHAUSTED: limit on number of concurrent in-flight updates has been reached (10))`,
        );
        expect(approve.stderr).toContain('Nothing was recorded. Try again in a moment');
        expect(approve.stderr).not.toMatch(STACK_TRACE);
        // It ends before the "no worker has taken the decision yet" notice (3 s), which would point at the wrong cause.
        expect(approve.stderr).not.toContain('no worker has taken');
        expect(Date.now() - startedAt).toBeLessThan(15_000);
      } finally {
        await handle.terminate('test done');
      }
    });
  });

  it('approve --args on a run no worker serves exits 6 with what to do (it was 70)', async () => {
    const run = await startOrphanRun();
    try {
      // Edited arguments are checked against the tool's schema, read by a query: the server gives up on it after 30 s.
      const approve = await runCli(['approve', run.workflowId, 's1-1', '--args', '{"path":"README.md"}'], env, 60_000);
      expect(approve.code).toBe(EXIT_CODES.noWorker);
      expect(approve.stderr).toContain(`durable-agent: no worker took the request to run "${run.workflowId}" (DEADLINE_EXCEEDED: query timed out before a worker could process it)`);
      expect(approve.stderr).toContain('Start one on that task queue');
      expect(approve.stderr).not.toMatch(STACK_TRACE);
    } finally {
      await terminate(run.workflowId);
    }
  });

  it('scripted-model on a busy port says so and exits 3', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const { port } = busy.address() as { port: number };
    try {
      const result = await runCli(['scripted-model', '--script', script('any.json', { turns: [{ content: 'hi' }] }), '--port', String(port)], env, 20_000);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`port ${port} is in use`);
      expect(result.stderr).not.toMatch(STACK_TRACE);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('a TEMPORAL_ADDRESS port above 65535 is a configuration error (exit 3) that names the variable', async () => {
    expect(() => loadTemporalConfig({ TEMPORAL_ADDRESS: '127.0.0.1:99999' })).toThrow(/TEMPORAL_ADDRESS: expected a port between 1 and 65535/);
    const result = await runCli(['status', 'any-run'], { ...env, TEMPORAL_ADDRESS: '127.0.0.1:99999' }, 20_000);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('TEMPORAL_ADDRESS: expected a port between 1 and 65535 in HOST:PORT, got `127.0.0.1:99999`');
  });

  it('Ctrl-C of a scripted run stops within seconds and leaves no run running on the server', async () => {
    const slow = script('slow-for-interrupt.json', { turns: [{ content: 'too late', delayMs: 30_000 }] });
    const child = startCli(['run', '--script', slow, '--json', 'be', 'interrupted'], env);
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    try {
      const [, workflowId] = await waitForOutput(child, /Run (\S+) started/, 60_000, 'stderr');
      // The run is in its first (30 s) model call when the user presses Ctrl-C.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const interruptedAt = Date.now();
      child.kill('SIGINT');
      const result = await child.done;
      expect(result.signal).toBeNull();
      // It used to take ~30 s (the worker waited for the model call); the bound is generous.
      expect(Date.now() - interruptedAt).toBeLessThan(15_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`Run ${workflowId} (was cancelled|was terminated)`));
      expect(result.stdout.split('\n').filter(Boolean).length).toBeLessThanOrEqual(1);
      expect(result.stderr).not.toContain('resume it with a worker');
      const description = await agents.getHandle(String(workflowId)).describe();
      expect(description.executionStatus).not.toBe('RUNNING');
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
