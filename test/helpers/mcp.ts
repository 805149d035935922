import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { probeTcp } from '../../src/config/connect';
import { until } from './until';

/** Waits until something listens on 127.0.0.1:`port` (a server the test started). */
export async function probeUntilListening(port: number): Promise<void> {
  await until(`a server on 127.0.0.1:${port}`, async () => (await probeTcp(`127.0.0.1:${port}`, 500).then(() => true, () => undefined)), 30_000, 100);
}

/** What a tool call answered: its error flag, its first text block (the sentence for the reader) and its data. */
export interface ToolCall {
  isError: boolean;
  text: string;
  data: Record<string, unknown>;
}

/** Calls an MCP tool; the answer's first text block is the sentence for the reader, `structuredContent` the data. */
export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<ToolCall> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as Array<{ type: string; text?: string }>;
  return { isError: result.isError === true, text: content[0]?.text ?? '', data: (result.structuredContent ?? {}) as Record<string, unknown> };
}

/** The environment of an `mcp-server` that reaches the test server on `taskQueue`, with no model (it runs no worker). */
export function mcpServerEnvironment(taskQueue: string): Record<string, string> {
  const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...rest } = process.env;
  const env = { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue, NO_COLOR: '1' };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
