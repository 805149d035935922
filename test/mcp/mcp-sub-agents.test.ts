import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { AgentDefinition } from '../../src/contracts/agent-definition';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { CLI_PATH, runCli } from '../helpers/cli';
import { callTool, mcpServerEnvironment } from '../helpers/mcp';
import { withTestWorker } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';

const GATED: AgentDefinition = { name: 'gated', description: 'sleeps once approved', instructions: 'You are gated.', model: 'gated-model', tools: ['sleep'], requireApproval: ['sleep'] };

/** MCP clients reach a sub-agent through its parent (docs/sub-agents.md). */
describe('durable-agent mcp-server with sub-agents', () => {
  jest.setTimeout(120_000);

  it("run_status of the parent names the child waiting for approval; pending and approve take the child's call by its path", async () => {
    const parent = { turns: [{ toolCalls: [{ name: 'agent__gated', arguments: { goal: 'sleep, once approved' } }] }, { content: 'parent saw {{observations}}' }] };
    const child = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'approved-sleep', ms: 10 } }] }, { content: 'gated done' }] };
    const model = await startScriptedModel(compileScript(parent), { scriptsByModel: new Map([['gated-model', compileScript(child)]]) });
    try {
      await withTestWorker(
        'mcp-sub-agents',
        async ({ taskQueue }) => {
          const client = new Client({ name: 'mcp-sub-agents-test', version: '1.0.0' });
          await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI_PATH, 'mcp-server'], env: mcpServerEnvironment(taskQueue), stderr: 'pipe' }));
          try {
            const runId = (await callTool(client, 'start_run', { goal: 'Delegate a gated sleep' })).data.runId as string;
            const status = await until('run_status to show the child waiting', async () => {
              const seen = await callTool(client, 'run_status', { runId });
              return seen.data.status === 'waiting_for_approval' ? seen : undefined;
            });
            expect(status.data.subAgentWaits).toEqual([{ path: 's1-1', agents: ['gated'], runId: `${runId}.s1-1`, status: 'waiting_for_approval' }]);
            expect(status.text).toContain('through its sub-agent s1-1 (gated)');
            const pending = await callTool(client, 'pending', { runId });
            expect(pending.data.approvals).toEqual([expect.objectContaining({ callId: 's1-1/s1-1', tool: 'sleep', agents: ['gated'] })]);
            expect((await callTool(client, 'approve', { runId, callId: 's1-1/s1-1' })).isError).toBe(false);
            const result = await callTool(client, 'run_result', { runId, waitSeconds: 30 });
            expect(result.data).toMatchObject({ status: 'final' });
            expect(String(result.data.answer)).toContain('gated done');
          } finally {
            await client.close();
          }
        },
        { tools: createTestTools().tools, agents: [GATED], model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 } },
      );
    } finally {
      await model.close();
    }
  });

  it('refuses --agents without --local (the agents are a worker setting), exit 2', async () => {
    const refused = await runCli(['mcp-server', '--agents', 'agents'], mcpServerEnvironment('unused'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--script, --mcp-config and --agents apply to --local only');
  });
});
