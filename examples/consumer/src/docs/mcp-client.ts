import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** durable-agent's MCP server (`npx durable-agent mcp-server --http --port 8765`), driven with the MCP SDK. */
async function main(): Promise<void> {
  const client = new Client({ name: 'my-app', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1:8765/mcp')));
  try {
    const started = await client.callTool({ name: 'start_run', arguments: { goal: 'Summarize the open issues', requireApproval: ['http_get'] } });
    const { runId } = started.structuredContent as { runId: string };
    const result = await client.callTool({ name: 'run_result', arguments: { runId, waitSeconds: 60 } });
    console.log(result.structuredContent);
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
