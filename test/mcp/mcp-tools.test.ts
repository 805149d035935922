import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentRunHandle } from '../../src/client';
import { parseMcpConfig } from '../../src/mcp/config';
import { connectMcpTools, type McpTools } from '../../src/mcp/mcp-tools';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { freePort } from '../../src/temporal-server/dev-server';
import { historyEvents, recordHistory, scheduledActivities, toolMessagesByCallId, withAgent } from '../helpers/agent';
import { runCli } from '../helpers/cli';
import { probeUntilListening } from '../helpers/mcp';
import { uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

const ROOT = join(__dirname, '..', '..');
const EVERYTHING = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const FILESYSTEM = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
const HANGING = join(__dirname, '..', 'fixtures', 'hanging-mcp-server.ts');
const LOOPBACK_ONLY = join(__dirname, '..', 'fixtures', 'loopback-only.ts');
const SECRET = `s3cr3t-${process.pid}-${Date.now()}`;
const FINAL = { content: 'Done. I saw: {{observations}}' };

/** Real MCP servers this project did not write (filesystem, everything over stdio and streamable HTTP), plus a hanging one of its own. */
describe('tools from MCP servers', () => {
  jest.setTimeout(180_000);
  let folder = '';
  let httpServer: ChildProcess | undefined;
  let mcp: McpTools | undefined;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-mcp-'));
    writeFileSync(join(folder, 'notes.txt'), 'hello from the filesystem server\n');
    const port = await freePort();
    httpServer = spawn(process.execPath, ['-r', 'tsx/cjs', '-r', LOOPBACK_ONLY, EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    await probeUntilListening(port);
    const servers = parseMcpConfig(
      {
        mcpServers: {
          fs: { command: process.execPath, args: [FILESYSTEM, folder] },
          everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { SECRET_TOKEN: '${MCP_TEST_SECRET}' }, tools: { 'trigger-long-running-operation': { timeoutMs: 10_000 } } },
          web: { url: `http://127.0.0.1:${port}/mcp`, headers: { Authorization: 'Bearer ${MCP_TEST_SECRET}' } },
          hanging: { command: process.execPath, args: ['-r', 'tsx/cjs', HANGING], env: { HANG_MARKER: join(folder, 'hang.log') }, timeoutMs: 1_500, maxAttempts: 1 },
        },
      },
      { ...process.env, MCP_TEST_SECRET: SECRET },
    );
    mcp = await connectMcpTools(servers, new Set(['read_file', 'list_dir', 'http_get', 'wait', 'ask_user']));
  });

  afterAll(async () => {
    await mcp?.close();
    if (httpServer?.pid && httpServer.exitCode === null) httpServer.kill('SIGTERM');
    rmSync(folder, { recursive: true, force: true });
  });

  /** Every history of every run, as one text, to look for the secret in. */
  async function historyText(handle: { workflowId: string; fetchHistory(): Promise<unknown> }): Promise<string> {
    return JSON.stringify(await handle.fetchHistory());
  }

  it('lists their tools under collision-free names and calls them in parallel, allowed by pattern', async () => {
    const tools = mcp?.tools ?? [];
    const names = tools.map((tool) => tool.spec.name);
    expect(names).toEqual(expect.arrayContaining(['fs__read_text_file', 'fs__list_directory', 'everything__echo', 'everything__get-sum', 'web__echo', 'hanging__hang']));
    expect(names.every((name) => /^[A-Za-z0-9_-]{1,64}$/.test(name))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    // The secret went to the server (its environment), not into any catalogue entry.
    const environment = await mcp?.pool.callTool('everything', 'get-env', {}, { signal: new AbortController().signal, timeoutMs: 10_000 });
    expect(JSON.stringify(environment)).toContain(SECRET);
    expect(JSON.stringify(tools.map((tool) => tool.spec))).not.toContain(SECRET);

    const script = {
      turns: [
        {
          toolCalls: [
            { name: 'fs__read_text_file', arguments: { path: join(folder, 'notes.txt') } },
            { name: 'fs__list_directory', arguments: { path: folder } },
            { name: 'everything__echo', arguments: { message: 'over stdio' } },
            { name: 'everything__get-sum', arguments: { a: 2, b: 40 } },
            { name: 'web__echo', arguments: { message: 'over streamable HTTP' } },
          ],
        },
        FINAL,
      ],
    };
    await withAgent(script, tools, async ({ run }) => {
      const { handle, result } = await run({ goal: 'use MCP tools', allowedTools: ['fs__*', 'everything__*', 'web__*'], maxParallel: 5 });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 5, failed: 0 } });
      const messages = [...(await toolMessagesByCallId(handle)).values()].join('\n');
      expect(messages).toContain('hello from the filesystem server');
      expect(messages).toContain('[FILE] notes.txt');
      expect(messages).toContain('Echo: over stdio');
      expect(messages).toContain('42');
      expect(messages).toContain('Echo: over streamable HTTP');
      // Five activities overlapped: the calls ran in parallel.
      const events = await historyEvents(handle);
      expect(scheduledActivities(events).filter((name) => name.includes('__'))).toHaveLength(5);
      expect(await historyText(handle)).not.toContain(SECRET);
      await recordHistory(handle, 'agent-mcp-tools');
    });
  });

  it('a call past its timeout is cancelled at the server (notifications/cancelled) and the run goes on; a bad argument is refused unscheduled', async () => {
    const script = {
      turns: [{ toolCalls: [{ name: 'hanging__hang', arguments: { label: 'first' } }, { name: 'everything__get-sum', arguments: { a: 'two', b: 1 } }] }, { toolCalls: [{ name: 'everything__echo', arguments: { message: 'still here' } }] }, FINAL],
    };
    await withAgent(script, mcp?.tools ?? [], async ({ run }) => {
      const { handle, result } = await run({ goal: 'hang, then go on', allowedTools: ['hanging__hang', 'everything__*'] });
      expect(result).toMatchObject({ status: 'final', steps: 3, toolCalls: { ok: 1, failed: 2 } });
      const messages = [...(await toolMessagesByCallId(handle)).values()];
      expect(messages.some((text) => text.startsWith(`Error: ${ERROR_TYPES.toolTimeout}: no result within 1.5s`))).toBe(true);
      expect(messages.some((text) => text.includes(`${ERROR_TYPES.toolInputInvalid}: invalid input for tool "everything__get-sum": a: expected number, got string`))).toBe(true);
      expect(messages.some((text) => text.includes('Echo: still here'))).toBe(true);
      // The hanging server saw the cancellation of its request.
      const marker = await until('the hanging server to see the cancellation', async () => {
        const text = readFileSync(join(folder, 'hang.log'), 'utf8');
        return text.includes('cancelled first') ? text : undefined;
      });
      // The call's idempotency key (`<workflowId>/<call>`) reached the server in the request's _meta.
      expect(marker).toMatch(new RegExp(`^started first ${handle.workflowId}/\\S+\ncancelled first\n$`));
      // The bad argument never reached an activity.
      expect(scheduledActivities(await historyEvents(handle)).filter((name) => name === 'everything__get-sum')).toEqual([]);
      await recordHistory(handle, 'agent-mcp-timeout-and-bad-argument');
    });
  });

  it('survives its stdio server being killed mid-call: the process is started again and the call retried', async () => {
    const script = { turns: [{ toolCalls: [{ name: 'everything__trigger-long-running-operation', arguments: { duration: 2, steps: 2 } }] }, FINAL] };
    await withAgent(script, mcp?.tools ?? [], async ({ start, client }) => {
      const handle = await start({ goal: 'a long MCP call' });
      const run = new AgentRunHandle(client, handle.workflowId, 'default');
      await until('the long call to run', async () => ((await run.state()).pending.length === 1 ? true : undefined));
      const pid = await mcp?.pool.pidOf('everything');
      expect(pid).toBeGreaterThan(0);
      process.kill(pid ?? 0, 'SIGKILL');
      const result = (await handle.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      expect(result.answer).toContain('Long running operation completed');
      const restarted = await mcp?.pool.pidOf('everything');
      expect(restarted).toBeGreaterThan(0);
      expect(restarted).not.toBe(pid);
      const attempts = (await historyEvents(handle)).flatMap((event) => (event.activityTaskStartedEventAttributes ? [event.activityTaskStartedEventAttributes.attempt] : []));
      expect(Math.max(...attempts.map(Number))).toBe(2);
    });
  });

  it('the CLI serves them with --mcp-config (or DURABLE_AGENT_MCP_CONFIG); a config it cannot read exits 3', async () => {
    const config = join(folder, 'mcp.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } } }));
    const script = join(folder, 'script.json');
    writeFileSync(script, JSON.stringify({ turns: [{ toolCalls: [{ name: 'everything__echo', arguments: { message: 'via the CLI' } }] }, { content: 'Got: {{observations}}' }] }));
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...rest } = process.env;
    const env = { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: uniqueTaskQueue('cli-mcp'), NO_COLOR: '1' };
    const ran = await runCli(['run', '--script', script, '--mcp-config', config, '--tools', 'everything__*', '--json', 'echo through MCP'], env, 90_000);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ status: 'final', answer: expect.stringContaining('Echo: via the CLI') });
    const fromEnvironment = await runCli(['run', '--script', script, '--json', 'echo through MCP'], { ...env, DURABLE_AGENT_MCP_CONFIG: config }, 90_000);
    expect(JSON.parse(fromEnvironment.stdout)).toMatchObject({ status: 'final' });
    const missing = await runCli(['worker', '--mcp-config', join(folder, 'missing.json')], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`Cannot read the MCP configuration ${join(folder, 'missing.json')}`);
  });
});
