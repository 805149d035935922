import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { probeTcp } from '../../src/config/connect';
import { CLI_PATH, isAlive, startCli, STACK_TRACE, waitForOutput } from '../helpers/cli';
import { until } from '../helpers/until';
import { callTool } from '../helpers/mcp';
import { freePortPair } from '../helpers/ports';


/** The environment without a model key (so `--local` plays a script) and without anything undefined. */
function environment(extra: Record<string, string | undefined>): Record<string, string> {
  const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, TEMPORAL_ADDRESS: _address, TEMPORAL_TASK_QUEUE: _queue, ...rest } = process.env;
  const env = { ...rest, NO_COLOR: '1', ...extra };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}


/** `durable-agent mcp-server --local`: one command gives an MCP client a working durable-agent (worker, model, server if needed). */
describe('durable-agent mcp-server --local', () => {
  jest.setTimeout(180_000);
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-mcp-local-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const script = (name: string, value: unknown): string => {
    const path = join(folder, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it('over HTTP on a configured server: start_run goes to its own queue, its in-process worker runs it to a final answer; SIGTERM exits 0', async () => {
    const path = script('list-then-answer.json', { turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, { content: 'Local answer. Saw: {{observations}}' }] });
    const server = startCli(['mcp-server', '--local', '--http', '--port', '0', '--script', path], environment({ TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default' }));
    const client = new Client({ name: 'mcp-server-local-test', version: '1.0.0' });
    try {
      const [, url] = await waitForOutput(server, /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/, 120_000, 'stderr');
      const { stderr } = server.output();
      expect(stderr).toContain(`Model: scripted, answering from ${path} (no LLM is called).`);
      expect(stderr).toMatch(/task queue "durable-agent-local-[0-9a-f]{8}"\)\. Runs are executed by the worker in this process/);
      expect(stderr).not.toContain('starting the embedded dev server');
      await client.connect(new StreamableHTTPClientTransport(new URL(url ?? '')));

      const started = await callTool(client, 'start_run', { goal: 'look around', maxSteps: 5 });
      expect(started.isError).toBe(false);
      const runId = started.data.runId as string;
      expect(started.data.taskQueue).toMatch(/^durable-agent-local-[0-9a-f]{8}$/);
      expect(started.text).toContain("This MCP server's own worker (private task queue");

      const result = await until('the run to end', async () => {
        const answer = await callTool(client, 'run_result', { runId, waitSeconds: 30 });
        expect(answer.isError).toBe(false);
        return answer.data.ended === true ? answer : undefined;
      }, 90_000);
      expect(result.data).toMatchObject({ runId, ended: true, status: 'final', steps: 2, toolCalls: { ok: 1, failed: 0 } });
      expect(result.data.answer).toContain('Local answer.');

      await client.close();
      server.kill('SIGTERM');
      const done = await server.done;
      expect(done.code).toBe(0);
      expect(done.stderr).toContain('SIGTERM received: stopping the MCP server.');
      expect(done.stderr).not.toMatch(STACK_TRACE);
    } finally {
      await client.close().catch(() => undefined);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
  });

  it('over stdio with no server running: starts the embedded one, and at shutdown cancels its open private runs and stops it', async () => {
    const path = script('wait-long.json', { turns: [{ toolCalls: [{ name: 'wait', arguments: { seconds: 600 } }] }, { content: 'never' }] });
    const port = Number(process.env.DURABLE_AGENT_LOCAL_PORT ?? (await freePortPair()));
    const alreadyRunning = await probeTcp(`127.0.0.1:${port}`, 500).then(() => true, () => false);
    const cwd = mkdtempSync(join(folder, 'fresh-'));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_PATH, 'mcp-server', '--local', '--script', path],
      env: environment({ DURABLE_AGENT_LOCAL_PORT: String(port) }),
      cwd,
      stderr: 'pipe',
    });
    let stderr = '';
    (transport.stderr as Readable).setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const client = new Client({ name: 'mcp-server-local-test', version: '1.0.0' });
    let pid: number | null = null;
    try {
      await client.connect(transport);
      pid = transport.pid;
      if (!alreadyRunning) expect(stderr).toContain(`No Temporal server at 127.0.0.1:${port}: starting the embedded dev server`);
      expect(stderr).toContain(`durable-agent MCP server on stdio (${alreadyRunning ? '' : 'embedded '}Temporal 127.0.0.1:${port}`);

      const started = await callTool(client, 'start_run', { goal: 'wait a while' });
      expect(started.isError).toBe(false);
      const runId = started.data.runId as string;
      expect(started.data.runUrl).toBe(`http://127.0.0.1:${port + 1000}/namespaces/default/workflows/${runId}`);
      await until('the run to wait on its timer', async () => {
        const status = await callTool(client, 'run_status', { runId });
        return status.data.step === 1 ? status : undefined;
      });

      // The client leaves (closes stdin): the run could never be resumed, so it is cancelled before everything stops.
      await client.close();
      await until('the MCP server to exit', async () => (pid !== null && !isAlive(pid) ? true : undefined), 60_000);
      expect(stderr).toContain('the client closed stdin: stopping the MCP server.');
      expect(stderr).toContain(`Run ${runId} was cancelled: its worker stops with this process.`);
      expect(stderr).not.toMatch(STACK_TRACE);
      if (!alreadyRunning) expect(await probeTcp(`127.0.0.1:${port}`, 500).then(() => true, () => false)).toBe(false);
    } catch (error) {
      // What the MCP server said before it failed is the only clue to why (e.g. "Connection closed": it exited).
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- the MCP server's stderr ---\n${stderr}`, { cause: error });
    } finally {
      await client.close().catch(() => undefined);
      if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
