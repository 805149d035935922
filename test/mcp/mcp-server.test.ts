import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AgentClient, type RunEvent } from '../../src/client';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import { withAgent } from '../helpers/agent';
import { CLI_PATH, isAlive, startCli, STACK_TRACE, waitForOutput } from '../helpers/cli';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { createDeployTool } from '../helpers/test-tools';
import { until } from '../helpers/until';
import { callTool, mcpServerEnvironment } from '../helpers/mcp';

const FINAL = { content: 'Done. I saw: {{observations}}' };
const DEPLOY_THEN_ANSWER = { turns: [{ toolCalls: [{ name: 'deploy', arguments: { service: 'api', version: '1.0' } }] }, FINAL] };
const TOOL_NAMES = ['start_run', 'run_status', 'run_events', 'pending', 'approve', 'deny', 'reply', 'pause_run', 'resume_run', 'run_result', 'cancel_run'];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A raw HTTP request (the Host header set by hand), for the refusals outside MCP. */
async function rawRequest(port: number, options: { method: string; path: string; host?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, method: options.method, path: options.path, headers: { ...(options.host ? { host: options.host } : {}), accept: 'application/json, text/event-stream' } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** `durable-agent mcp-server` through the MCP SDK's own client, against the real server and a worker with a scripted model (issue 15 item 5). */
describe('durable-agent mcp-server', () => {
  jest.setTimeout(120_000);

  it('over stdio: lists its tools, starts a gated run, approves the call, reads result and events; errors are tool results', async () => {
    const deploy = createDeployTool();
    await withAgent(DEPLOY_THEN_ANSWER, [deploy.tool], async ({ taskQueue }) => {
      const transport = new StdioClientTransport({ command: process.execPath, args: [CLI_PATH, 'mcp-server'], env: mcpServerEnvironment(taskQueue), stderr: 'pipe' });
      let stderr = '';
      (transport.stderr as Readable).setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const client = new Client({ name: 'mcp-server-test', version: '1.0.0' });
      let pid: number | null = null;
      try {
        await client.connect(transport);
        pid = transport.pid;
        expect(client.getServerVersion()?.name).toBe('durable-agent');
        expect(client.getInstructions()).toContain('durable-agent worker');
        const { tools } = await client.listTools();
        expect(tools.map((tool) => tool.name)).toEqual(TOOL_NAMES);
        const startRun = tools.find((tool) => tool.name === 'start_run');
        expect(startRun?.inputSchema.required).toEqual(['goal']);
        expect(Object.keys(startRun?.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['goal', 'maxSteps', 'maxParallel', 'allowedTools', 'requireApproval', 'planning', 'budget']));
        for (const tool of tools) expect(tool.description?.length).toBeGreaterThan(60);

        const started = await callTool(client, 'start_run', { goal: 'deploy api', requireApproval: ['deploy'], maxSteps: 5, budget: { maxTokens: 100_000 } });
        expect(started.isError).toBe(false);
        const runId = started.data.runId as string;
        expect(runId).toMatch(/^agent-/);
        expect(started.data).toMatchObject({ status: 'running', taskQueue, workerSeen: true });
        expect(started.text).toContain('this MCP server runs none');

        const pending = await until('the deploy call to await a decision', async () => {
          const answer = await callTool(client, 'pending', { runId });
          expect(answer.isError).toBe(false);
          return (answer.data.approvals as unknown[]).length === 1 ? answer : undefined;
        });
        expect(pending.data).toMatchObject({ status: 'waiting_for_approval', approvals: [{ callId: 's1-1', tool: 'deploy', arguments: { service: 'api', version: '1.0' } }], questions: [] });
        expect(pending.text).toContain('call s1-1: deploy');
        const waiting = await callTool(client, 'run_result', { runId });
        expect(waiting.data).toMatchObject({ ended: false, status: 'waiting_for_approval' });
        expect(waiting.text).toContain('call pending, then approve or deny');
        const status = await callTool(client, 'run_status', { runId });
        expect(status.data).toMatchObject({ runId, status: 'waiting_for_approval', live: true, step: 1, goal: 'deploy api' });

        // A refusal by the run is a tool error that says nothing was recorded.
        const unknownCall = await callTool(client, 'approve', { runId, callId: 's9-9' });
        expect(unknownCall.isError).toBe(true);
        expect(unknownCall.text).toMatch(/^refused: there is no call s9-9 in this run.*Nothing was recorded/);

        // Tools derived from the interaction table: a pause asked mid-step, then withdrawn; a resume with none is refused.
        expect(await callTool(client, 'pause_run', { runId, reason: 'look first' })).toMatchObject({ isError: false, data: { runId, state: 'pausing' } });
        expect(await callTool(client, 'resume_run', { runId })).toMatchObject({ isError: false, data: { runId, state: 'pause_withdrawn' } });
        const notPaused = await callTool(client, 'resume_run', { runId });
        expect(notPaused.isError).toBe(true);
        expect(notPaused.text).toMatch(/^refused: the run is not paused/);

        const approved = await callTool(client, 'approve', { runId, callId: 's1-1' });
        expect(approved).toMatchObject({ isError: false, data: { runId, callId: 's1-1', decision: 'approve' } });
        const result = await callTool(client, 'run_result', { runId, waitSeconds: 30 });
        expect(result.data).toMatchObject({ runId, ended: true, status: 'final', toolCalls: { ok: 1, failed: 0 } });
        expect(result.data.answer).toContain('deployed api@1.0');
        expect(result.text).toMatch(/ended: final after 2 steps/);
        expect(deploy.ran).toEqual([{ service: 'api', version: '1.0' }]);

        const events = await callTool(client, 'run_events', { runId, from: 0 });
        expect(events.data.ended).toBe(true);
        const log = events.data.events as RunEvent[];
        expect(log.map((event) => event.offset)).toEqual(log.map((_event, index) => index));
        expect(log.map((event) => `${event.type}${event.callId ? ` ${event.callId}` : ''}`)).toEqual(
          expect.arrayContaining(['approval_needed s1-1', 'approval_decided s1-1', 'call_finished s1-1', 'run_ended']),
        );
        expect(events.data.next).toBe(log.length);
        // The whole log, folded as the run folds it, says what the result says.
        expect(events.data.progress).toMatchObject({ status: 'final', step: 2, toolCalls: { ok: 1, failed: 0 } });
        const tail = await callTool(client, 'run_events', { runId, from: 2, limit: 2 });
        expect(tail.data.events).toEqual(log.slice(2, 4));
        expect(tail.data.progress).toBeUndefined();

        // An ended run: nothing to decide; an unknown run: a clear error, and the server keeps serving.
        const late = await callTool(client, 'approve', { runId, callId: 's1-1' });
        expect(late.isError).toBe(true);
        expect(late.text).toBe(`run ${runId} has ended (final); there is nothing to decide or answer. Call run_result for its result.`);
        const unknownRun = await callTool(client, 'run_status', { runId: `${runId}-nope` });
        expect(unknownRun.isError).toBe(true);
        expect(unknownRun.text).toBe(`no agent run with id "${runId}-nope" in namespace "default": check the runId (start_run returns it). Nothing was done.`);
        const badInput = await callTool(client, 'start_run', { goal: '' });
        expect(badInput.isError).toBe(true);
        expect((await callTool(client, 'run_status', { runId })).data).toMatchObject({ status: 'final', ended: true });
      } finally {
        await client.close();
        if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
      // The client closing stdin ends the server by itself; it printed nothing but logs on stderr.
      expect(stderr).toContain('the client closed stdin: stopping the MCP server');
      expect(stderr).not.toMatch(STACK_TRACE);
    });
  });

  it('over streamable HTTP: starts a run, a denial with a reason reaches the model, cancel_run ends a waiting run; SIGTERM exits 0', async () => {
    const deploy = createDeployTool();
    await withAgent(DEPLOY_THEN_ANSWER, [deploy.tool], async ({ taskQueue }) => {
      const port = await freePort();
      const server = startCli(['mcp-server', '--http', '--port', String(port)], mcpServerEnvironment(taskQueue));
      const client = new Client({ name: 'mcp-server-test', version: '1.0.0' });
      try {
        await waitForOutput(server, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}/mcp`), 30_000, 'stderr');
        // Outside MCP: only POST /mcp, only for this machine's names.
        expect(await rawRequest(port, { method: 'GET', path: '/mcp' })).toBe(405);
        expect(await rawRequest(port, { method: 'POST', path: '/elsewhere' })).toBe(404);
        expect(await rawRequest(port, { method: 'POST', path: '/mcp', host: `evil.example:${port}` })).toBe(403);

        await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
        expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(TOOL_NAMES);

        const started = await callTool(client, 'start_run', { goal: 'deploy api, if allowed', runId: `${taskQueue}-denied` });
        expect(started.data.runId).toBe(`${taskQueue}-denied`);
        const runId = started.data.runId as string;
        const taken = await callTool(client, 'start_run', { goal: 'again', runId });
        expect(taken.isError).toBe(true);
        expect(taken.text).toContain(`the run id "${runId}" is taken by a run that is still running`);

        await until('the deploy call to await a decision', async () => ((await callTool(client, 'pending', { runId })).data.approvals as unknown[]).length === 1 || undefined);
        const denied = await callTool(client, 'deny', { runId, callId: 's1-1', reason: 'not on a Friday' });
        expect(denied).toMatchObject({ isError: false, data: { decision: 'deny', reason: 'not on a Friday' } });
        const result = await callTool(client, 'run_result', { runId, waitSeconds: 30 });
        expect(result.data).toMatchObject({ ended: true, status: 'final', toolCalls: { ok: 0, failed: 1 } });
        expect(result.data.answer).toContain(`${ERROR_TYPES.toolDenied}: a person denied the call: not on a Friday`);
        expect(deploy.ran).toEqual([]);
        const events = await callTool(client, 'run_events', { runId, from: 0 });
        expect(events.data.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'call_denied', callId: 's1-1', errorType: ERROR_TYPES.toolDenied })]));

        // A second run waits for a decision; cancel_run ends it.
        const second = (await callTool(client, 'start_run', { goal: 'deploy api again' })).data.runId as string;
        await until('the second call to await a decision', async () => ((await callTool(client, 'pending', { runId: second })).data.approvals as unknown[]).length === 1 || undefined);
        const cancelled = await callTool(client, 'cancel_run', { runId: second });
        expect(cancelled.data).toMatchObject({ runId: second, status: 'cancelled', ended: true });
        expect((await callTool(client, 'cancel_run', { runId: second })).data).toMatchObject({ alreadyEnded: true, status: 'cancelled' });
        expect((await callTool(client, 'pending', { runId: second })).data).toMatchObject({ status: 'cancelled', approvals: [], questions: [] });
        await client.close();

        server.kill('SIGTERM');
        const done = await server.done;
        expect(done.code).toBe(0);
        expect(done.stderr).toContain('SIGTERM received: stopping the MCP server.');
        expect(done.stderr).not.toMatch(STACK_TRACE);
        expect(done.stdout).toBe('');
      } finally {
        await client.close();
        if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
      }
    });
  });

  it('with no worker on its task queue: start_run says so, reads that need a worker are refused with what to do, the server view still answers', async () => {
    const taskQueue = uniqueTaskQueue('mcp-no-worker');
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI_PATH, 'mcp-server'], env: mcpServerEnvironment(taskQueue), stderr: 'pipe' });
    const client = new Client({ name: 'mcp-server-test', version: '1.0.0' });
    const agent = await AgentClient.connect(testConfig());
    let runId: string | undefined;
    let pid: number | null = null;
    try {
      await client.connect(transport);
      pid = transport.pid;
      const started = await callTool(client, 'start_run', { goal: 'nobody will run this' });
      runId = started.data.runId as string;
      expect(started.data).toMatchObject({ workerSeen: false });
      expect(started.text).toContain(`No worker has polled task queue "${taskQueue}" lately`);

      const status = await callTool(client, 'run_status', { runId });
      expect(status).toMatchObject({ isError: false, data: { status: 'running', live: false } });
      expect(status.text).toContain(`TEMPORAL_TASK_QUEUE=${taskQueue} durable-agent worker`);
      // Each waits a few seconds for a worker that never answers; approve sends nothing then.
      for (const [name, args] of [['pending', { runId }], ['approve', { runId, callId: 's1-1' }]] as const) {
        const refused = await callTool(client, name, args);
        expect(refused.isError).toBe(true);
        expect(refused.text).toMatch(new RegExp(`^no worker answered for run ${runId}.*start a worker with \`TEMPORAL_TASK_QUEUE=${taskQueue} durable-agent worker\``));
      }
      const result = await callTool(client, 'run_result', { runId, waitSeconds: 1 });
      expect(result.data).toMatchObject({ ended: false, status: 'running' });
      expect(result.text).toContain('has not ended yet after waiting 1 s');
    } finally {
      await client.close();
      if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL');
      if (runId) await agent.getHandle(runId).terminate('test cleanup: no worker serves this queue').catch(() => undefined);
      await agent.close();
    }
  });
});
