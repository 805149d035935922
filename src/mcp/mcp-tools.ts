import type { CallToolResult, Tool as McpToolDescription } from '@modelcontextprotocol/sdk/types.js';
import { ConfigurationError } from '../config/temporal-config';
import type { ToolEffects } from '../shared/model';
import { defineTool, ToolDefinitionError, ToolError, type Tool } from '../tools/define-tool';
import type { JsonSchema } from '../tools/json-schema';
import type { McpLimits, McpServerConfig } from './config';
import { exposedToolName } from './names';
import { McpConnectionError, McpPool } from './pool';

/** Start-to-close timeout of an MCP call when the configuration names none. */
export const DEFAULT_MCP_TIMEOUT_MS = 60_000;
/** Attempts of a `read`/`idempotent` MCP call when the configuration names none. */
const DEFAULT_MCP_ATTEMPTS = 3;
/** Longest tool description offered to the model (some servers write pages). */
const MAX_DESCRIPTION = 1_024;
/** Tries at (re)starting a server within one attempt: nothing was sent yet, so this is safe for any tool. */
const CONNECT_TRIES = 3;

/** A worker's MCP tools and the pool that serves them; `close()` stops the servers. */
export interface McpTools {
  tools: Tool[];
  pool: McpPool;
  close(): Promise<void>;
}

/** What a repeat of the call may cost, from the configuration or else the server's annotations (MCP's defaults assume the worst). */
function effectsOf(tool: McpToolDescription, limits: McpLimits): ToolEffects {
  if (limits.effects) return limits.effects;
  if (tool.annotations?.readOnlyHint === true) return 'read';
  if (tool.annotations?.idempotentHint === true) return 'idempotent';
  return 'mutating';
}

/** A call's result as the model reads it: structured content when there is some, else the text of every content block. */
export function mcpOutput(result: CallToolResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const parts = (result.content ?? []).map((block) => {
    switch (block.type) {
      case 'text':
        return block.text;
      case 'image':
      case 'audio':
        return `[${block.type} ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes, not shown]`;
      case 'resource':
        return 'text' in block.resource ? `[resource ${block.resource.uri}]\n${String(block.resource.text)}` : `[resource ${block.resource.uri}, ${block.resource.mimeType ?? 'binary'}, not shown]`;
      case 'resource_link':
        return `[resource link ${block.uri}${block.name ? ` (${block.name})` : ''}]`;
      default:
        return `[${(block as { type: string }).type} content]`;
    }
  });
  return parts.length === 1 ? parts[0] : parts.join('\n');
}

/** The schema the model reads and calls are checked against; a `$schema` dialect tag is dropped (the checks are draft-07 style). */
function inputSchemaOf(tool: McpToolDescription): JsonSchema {
  const { $schema: _dialect, ...schema } = tool.inputSchema as Record<string, unknown>;
  return { type: 'object', ...schema };
}

async function callWithRestart(pool: McpPool, server: string, tool: string, input: Record<string, unknown>, options: { signal: AbortSignal; timeoutMs: number }): Promise<CallToolResult> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await pool.callTool(server, tool, input, options);
    } catch (error) {
      if (!(error instanceof McpConnectionError) || attempt >= CONNECT_TRIES || options.signal.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function mcpTool(server: McpServerConfig, description: McpToolDescription, name: string, pool: McpPool): Tool {
  const limits: McpLimits = { ...server, ...(server.tools?.[description.name] ?? {}) };
  const effects = effectsOf(description, limits);
  const timeoutMs = limits.timeoutMs ?? DEFAULT_MCP_TIMEOUT_MS;
  const text = (description.description ?? description.title ?? description.name).trim();
  return defineTool<Record<string, unknown>>({
    name,
    description: `${text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text} (MCP server "${server.name}", tool "${description.name}")`,
    inputSchema: inputSchemaOf(description),
    timeout: timeoutMs,
    effects,
    ...(limits.maxAttempts !== undefined || effects !== 'mutating' ? { retry: { maximumAttempts: limits.maxAttempts ?? DEFAULT_MCP_ATTEMPTS } } : {}),
    ...(limits.maxAttempts !== undefined && effects === 'mutating' ? { usesIdempotencyKey: true } : {}),
    ...(limits.requiresApproval ? { requiresApproval: true } : {}),
    run: async (input, context) => {
      const result = await callWithRestart(pool, server.name, description.name, input, { signal: context.signal, timeoutMs });
      const output = mcpOutput(result);
      // The server says the call failed: the model sees why; a retry would fail the same way.
      if (result.isError) throw new ToolError(typeof output === 'string' ? output : JSON.stringify(output));
      return output;
    },
  });
}

/**
 * Connects to the configured MCP servers, lists their tools and wraps each as a durable tool (`server__tool`, an
 * activity with the configured timeout and retries; on timeout or cancellation the MCP request is cancelled). Fails
 * with a `ConfigurationError` naming the server when one cannot be started or listed: a worker that silently lacks
 * tools would fail its runs later, and less clearly.
 */
export async function connectMcpTools(servers: readonly McpServerConfig[], reserved: ReadonlySet<string> = new Set()): Promise<McpTools> {
  const pool = new McpPool(servers);
  const taken = new Set(reserved);
  const tools: Tool[] = [];
  try {
    for (const server of servers) {
      let listed: McpToolDescription[];
      try {
        listed = await pool.listTools(server.name);
      } catch (error) {
        throw new ConfigurationError(`MCP server "${server.name}": cannot list its tools: ${(error as Error).message}`);
      }
      for (const description of listed) {
        const name = exposedToolName(server.name, description.name, taken);
        try {
          tools.push(mcpTool(server, description, name, pool));
        } catch (error) {
          if (!(error instanceof ToolDefinitionError)) throw error;
          throw new ConfigurationError(`MCP server "${server.name}", tool "${description.name}": ${error.message}`);
        }
        taken.add(name);
      }
    }
  } catch (error) {
    await pool.close();
    throw error;
  }
  return { tools, pool, close: () => pool.close() };
}
