import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../src/config/temporal-config';
import { parseMcpConfig } from '../../src/mcp/config';
import { connectMcpTools, type McpTools } from '../../src/mcp/mcp-tools';
import { historyEvents, ranActivities, scheduledActivities, toolMessagesByCallId, withAgent } from '../helpers/agent';
import { runCli, startCli, waitForOutput } from '../helpers/cli';
import { uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

const EVERYTHING = join(__dirname, '..', '..', 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const BUILTINS = new Set(['read_file', 'list_dir', 'http_get', 'wait', 'ask_user']);
const FINAL = { content: 'Done. I saw: {{observations}}' };
/** Fast retries, so a test sees a few of them. */
const RETRY = { initialMs: 200, maxMs: 400 };

/** The environment without anything that would change which MCP servers are strict or configured. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const { DURABLE_AGENT_MCP_STRICT: _strict, DURABLE_AGENT_MCP_CONFIG: _config, ...rest } = process.env;
  return rest;
}

/** One MCP server that fails at start-up must not take the worker down (built-ins and the other servers keep serving). */
describe('an MCP server that fails at start-up', () => {
  jest.setTimeout(120_000);
  let folder = '';
  /** `everything` works; `missing` is a command that does not exist; `quitter` exits at once. */
  let servers: Record<string, unknown> = {};

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-mcp-startup-'));
    servers = {
      everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
      missing: { command: join(folder, 'no-such-mcp-server') },
      quitter: { command: process.execPath, args: ['-e', 'process.exit(3)'] },
    };
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('by default: the worker serves the built-ins and the working server, names the failed ones in a warning, and retries them', async () => {
    const lines: string[] = [];
    const mcp = await connectMcpTools(parseMcpConfig({ mcpServers: servers }, cleanEnvironment()), BUILTINS, { log: (line) => lines.push(line), retry: RETRY });
    try {
      const names = mcp.tools.map((tool) => tool.spec.name);
      expect(names).toContain('everything__echo');
      expect(names.filter((name) => name.startsWith('missing__') || name.startsWith('quitter__'))).toEqual([]);
      expect([...mcp.pending.keys()]).toEqual(['missing', 'quitter']);
      expect(lines.find((line) => line.includes('"missing"'))).toMatch(/^Warning: MCP server "missing": cannot list its tools: could not start the stdio server "missing" .*ENOENT.*Starting without its tools/);
      expect(lines.find((line) => line.includes('"quitter"'))).toMatch(/^Warning: MCP server "quitter": cannot list its tools: .*Starting without its tools/);

      const script = { turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }, { name: 'everything__echo', arguments: { message: 'still serving' } }] }, FINAL] };
      await withAgent(
        script,
        [],
        async ({ run }) => {
          const { handle, result } = await run({ goal: 'a built-in and an MCP tool, with a broken server configured' });
          expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 0 } });
          expect([...(await toolMessagesByCallId(handle)).values()].join('\n')).toContain('Echo: still serving');
          expect(ranActivities(await historyEvents(handle))).toEqual(expect.arrayContaining(['list_dir', 'everything__echo']));
        },
        { mcp },
      );
      // Retried in the background, with the backoff; a call meanwhile would be told why, retryably.
      await until('a second try of "missing"', async () => lines.some((line) => /^Warning: MCP server "missing".*\(try 2; next try in/.test(line)) || undefined, 10_000, 50);
      expect(mcp.unavailable('missing__anything')).toMatch(/^"missing__anything" cannot run on this worker now: MCP server "missing": cannot list its tools: .*The call is retried/);
      expect(mcp.unavailable('everything__echo')).toBeUndefined();
    } finally {
      await mcp.close();
    }
  });

  it('its tools join once it connects: a run started after that calls them on the real server', async () => {
    const ready = join(folder, 'ready');
    // Exits at once until the file `ready` exists, then is @modelcontextprotocol/server-everything.
    const late = { command: '/bin/sh', args: ['-c', 'test -f "$READY" || { echo "not ready" >&2; exit 1; }; exec "$0" "$1" stdio', process.execPath, EVERYTHING], env: { READY: ready } };
    const lines: string[] = [];
    const mcp: McpTools = await connectMcpTools(parseMcpConfig({ mcpServers: { late } }, cleanEnvironment()), BUILTINS, { log: (line) => lines.push(line), retry: RETRY });
    try {
      expect(mcp.tools).toEqual([]);
      expect(lines[0]).toMatch(/^Warning: MCP server "late": cannot list its tools: .*not ready/);
      const script = { turns: [{ toolCalls: [{ name: 'late__echo', arguments: { message: 'late but here' } }] }, FINAL] };
      await withAgent(
        script,
        [],
        async ({ run }) => {
          // Not connected: the tool is in no catalogue yet, so the call is refused unscheduled.
          const before = await run({ goal: 'call the late server' });
          expect(before.result).toMatchObject({ status: 'final', toolCalls: { ok: 0, failed: 1 } });
          expect([...(await toolMessagesByCallId(before.handle)).values()].join('\n')).toContain('ToolUnknown: there is no tool named "late__echo"');

          writeFileSync(ready, '');
          await until('the late server to connect', async () => lines.some((line) => line.startsWith('MCP server "late" connected after')) || undefined, 10_000, 50);
          expect(mcp.pending.size).toBe(0);
          const after = await run({ goal: 'call the late server' });
          expect(after.result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
          expect([...(await toolMessagesByCallId(after.handle)).values()].join('\n')).toContain('Echo: late but here');
          // The worker was created before the tool existed: the call ran as activity type `late__echo` all the same.
          expect(scheduledActivities(await historyEvents(after.handle))).toContain('late__echo');
        },
        { mcp },
      );
    } finally {
      await mcp.close();
    }
  });

  it('"strict": true on the server, or DURABLE_AGENT_MCP_STRICT=1 for all, makes start-up fail with a message naming it', async () => {
    const strict = parseMcpConfig({ mcpServers: { everything: servers.everything, missing: { ...(servers.missing as object), strict: true } } }, cleanEnvironment());
    await expect(connectMcpTools(strict, BUILTINS, { log: () => undefined })).rejects.toThrow(ConfigurationError);
    await expect(connectMcpTools(strict, BUILTINS, { log: () => undefined })).rejects.toThrow(/^MCP server "missing": cannot list its tools: .*ENOENT.*That server is "strict"/);
    const allStrict = parseMcpConfig({ mcpServers: servers }, { ...cleanEnvironment(), DURABLE_AGENT_MCP_STRICT: '1' });
    expect(allStrict.map((server) => server.strict)).toEqual([true, true, true]);
    await expect(connectMcpTools(allStrict, BUILTINS, { log: () => undefined })).rejects.toThrow(/MCP server "missing": .*; MCP server "quitter": .*Those servers are "strict"/);
    expect(() => parseMcpConfig({ mcpServers: servers }, { DURABLE_AGENT_MCP_STRICT: 'yes' })).toThrow(/Expected DURABLE_AGENT_MCP_STRICT to be 1 or 0/);
  });

  it('durable-agent worker: warns on stderr naming the server and polls; strict, it exits 3 naming it', async () => {
    const config = join(folder, 'mcp.json');
    writeFileSync(config, JSON.stringify({ mcpServers: servers }));
    const env = { ...cleanEnvironment(), TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: uniqueTaskQueue('mcp-startup'), NO_COLOR: '1' };
    const worker = startCli(['worker', '--mcp-config', config], env);
    try {
      await waitForOutput(worker, /polling task queue/, 90_000, 'stderr');
      const { stderr } = worker.output();
      expect(stderr).toMatch(/Warning: MCP server "missing": cannot list its tools/);
      expect(stderr).toMatch(/MCP tools: everything__echo.*Not connected yet \(retried in the background\): missing, quitter\./);
    } finally {
      worker.kill('SIGTERM');
      await worker.done;
    }
    const strict = await runCli(['worker', '--mcp-config', config], { ...env, DURABLE_AGENT_MCP_STRICT: '1' }, 60_000);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toMatch(/MCP server "missing": cannot list its tools: .*Those servers are "strict"/);
  });
});
