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
