import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { withAgent } from '../helpers/agent';
import { CLI_PATH } from '../helpers/cli';
import { callTool } from '../helpers/mcp';
import { until } from '../helpers/until';

const ANSWER = 'A long answer, written slowly, so that a client asking for the run events sees the text while the model is still at it.';

/** `run_events` of the MCP server gives the model's text so far while it writes (docs/streaming.md). */
describe('durable-agent mcp-server: the model writing', () => {
  jest.setTimeout(120_000);

  it('run_events carries modelText, the text so far, while the model writes; none once the run has ended', async () => {
    await withAgent({ turns: [{ content: ANSWER, chunkDelayMs: 80 }] }, [], async ({ taskQueue }) => {
      const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...rest } = process.env;
      const env = Object.fromEntries(
        Object.entries({ ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_TASK_QUEUE: taskQueue, NO_COLOR: '1' }).filter(
          (entry): entry is [string, string] => entry[1] !== undefined,
        ),
      );
      const client = new Client({ name: 'mcp-model-text-test', version: '1.0.0' });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI_PATH, 'mcp-server'], env, stderr: 'pipe' }));
      try {
        const runId = (await callTool(client, 'start_run', { goal: 'write slowly', maxSteps: 3 })).data.runId as string;
        const writing = await until('run_events to show the model writing', async () => {
          const events = await callTool(client, 'run_events', { runId, from: 0 });
          const text = (events.data.modelText as { text?: string } | undefined)?.text;
          return text ? { events, text } : undefined;
        }, 60_000, 100);
        expect(ANSWER.startsWith(writing.text)).toBe(true);
        expect(writing.events.data.modelText).toMatchObject({ step: 1, attempt: 1 });
        expect(writing.events.text).toContain(`The model is writing (step 1, attempt 1): ${writing.text}`);
        const result = await callTool(client, 'run_result', { runId, waitSeconds: 30 });
        expect(result.data).toMatchObject({ status: 'final', answer: ANSWER });
        const after = await callTool(client, 'run_events', { runId, from: 0 });
        expect(after.data.ended).toBe(true);
        expect(after.data.modelText).toBeUndefined();
      } finally {
        await client.close();
      }
    });
  });
});
