import type { CallToolResult, Tool as McpToolDescription } from '@modelcontextprotocol/sdk/types.js';
import { ConfigurationError } from '../config/temporal-config';
import type { ToolEffects } from '../contracts/tool-spec';
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

/** First wait before a server that failed to start is tried again; each failure doubles it, up to the maximum. */
export const DEFAULT_MCP_RETRY = { initialMs: 5_000, maxMs: 5 * 60_000 };

/** How `connectMcpTools` reports and retries servers that fail to start. */
export interface McpConnectOptions {
  /** Where warnings (a server that failed) and news (it connected later) go. @default a line on stderr */
  log?: (line: string) => void;
  /**
   * Backoff of the background retries of a server that is not `strict`; `false` for none (a one-shot command whose
   * runs read the catalogue once, at their start: the failed server is only warned about). @default DEFAULT_MCP_RETRY
   */
  retry?: { initialMs: number; maxMs: number } | false;
}

/** A worker's MCP tools and the pool that serves them; `close()` stops the servers and the retries. */
export interface McpTools {
  /** The tools of the servers connected so far; a server that connects later appends its tools here. */
  tools: Tool[];
  pool: McpPool;
  /** Servers that failed to start and are retried in the background, with why the last try failed. */
  pending: ReadonlyMap<string, string>;
  /** Calls `listener` with the tools of each server that connects after `connectMcpTools` returned. */
  onTools(listener: (tools: readonly Tool[]) => void): void;
  /** Why a tool cannot run on this worker yet (its server is pending), or undefined when no pending server has its name. */
  unavailable(toolName: string): string | undefined;
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

/**
 * Sent with every call in the request's `_meta`: the call's idempotency key (stable across its retries, different for
 * every other call) and its attempt, so a server can make a retried call apply once (docs/mcp-tools.md).
 */
export const MCP_META_IDEMPOTENCY_KEY = 'durable-agent/idempotency-key';
export const MCP_META_ATTEMPT = 'durable-agent/attempt';

async function callWithRestart(
  pool: McpPool,
  server: string,
  tool: string,
  input: Record<string, unknown>,
  options: { signal: AbortSignal; timeoutMs: number; meta: Record<string, unknown> },
): Promise<CallToolResult> {
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
    ...(limits.requiresApproval ? { requiresApproval: true } : limits.fast ? { fast: true } : {}),
    run: async (input, context) => {
      const meta = { [MCP_META_IDEMPOTENCY_KEY]: context.idempotencyKey, [MCP_META_ATTEMPT]: context.attempt };
      const result = await callWithRestart(pool, server.name, description.name, input, { signal: context.signal, timeoutMs, meta });
      const output = mcpOutput(result);
      // The server says the call failed: the model sees why; a retry would fail the same way.
      if (result.isError) throw new ToolError(typeof output === 'string' ? output : JSON.stringify(output));
      return output;
    },
  });
}

/** A server's tools as it lists them; a failure is a `ConfigurationError` naming the server. */
async function listOf(server: McpServerConfig, pool: McpPool): Promise<McpToolDescription[]> {
  try {
    return await pool.listTools(server.name);
  } catch (error) {
    throw new ConfigurationError(`MCP server "${server.name}": cannot list its tools: ${(error as Error).message}`);
  }
}

/** A server's listed tools as durable tools, named against `taken` (which gets their names only if all of them are valid). */
function wrap(server: McpServerConfig, listed: readonly McpToolDescription[], pool: McpPool, taken: Set<string>): Tool[] {
  const names = new Set(taken);
  const tools = listed.map((description) => {
    const name = exposedToolName(server.name, description.name, names);
    names.add(name);
    try {
      return mcpTool(server, description, name, pool);
    } catch (error) {
      if (!(error instanceof ToolDefinitionError)) throw error;
      throw new ConfigurationError(`MCP server "${server.name}", tool "${description.name}": ${error.message}`);
    }
  });
  for (const tool of tools) taken.add(tool.spec.name);
  return tools;
}

const shown = (ms: number) => (ms < 1_000 ? `${ms} ms` : ms < 60_000 ? `${Math.round(ms / 1_000)} s` : `${Math.round(ms / 60_000)} min`);

/**
 * Connects to the configured MCP servers (all at once), lists their tools and wraps each as a durable tool
 * (`server__tool`, an activity with the configured timeout and retries; on timeout or cancellation the MCP request is
 * cancelled). A server that cannot be started or listed fails the call with a `ConfigurationError` naming it when it
 * is `strict`; otherwise it is named in a warning and retried in the background (`DEFAULT_MCP_RETRY`: 5 s doubling to
 * 5 min), and its tools join `tools` (and `onTools` listeners) once it connects.
 */
export async function connectMcpTools(servers: readonly McpServerConfig[], reserved: ReadonlySet<string> = new Set(), options: McpConnectOptions = {}): Promise<McpTools> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const retry = options.retry ?? DEFAULT_MCP_RETRY;
  const pool = new McpPool(servers);
  const taken = new Set(reserved);
  const tools: Tool[] = [];
  const pending = new Map<string, string>();
  const listeners: Array<(tools: readonly Tool[]) => void> = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const retryLater = (server: McpServerConfig, failures: number) => {
    if (!retry) return;
    const delay = Math.min(retry.maxMs, retry.initialMs * 2 ** (failures - 1));
    const timer = setTimeout(() => {
      timers.delete(timer);
      listOf(server, pool).then((listed) => wrap(server, listed, pool, taken)).then(
        (added) => {
          if (closed) return;
          pending.delete(server.name);
          tools.push(...added);
          log(`MCP server "${server.name}" connected after ${failures + 1} tries: its tools are served now (${added.map((tool) => tool.spec.name).join(', ') || 'none listed'}).`);
          for (const listener of listeners) {
            try {
              listener(added);
            } catch (error) {
              log(`Warning: the tools of MCP server "${server.name}" could not be added to the worker: ${(error as Error).message}`);
            }
          }
        },
        (error: Error) => {
          if (closed) return;
          pending.set(server.name, error.message);
          const next = Math.min(retry.maxMs, delay * 2);
          log(`Warning: ${error.message} (try ${failures + 1}; next try in ${shown(next)}).`);
          retryLater(server, failures + 1);
        },
      );
    }, delay);
    timer.unref();
    timers.add(timer);
  };

  // Started together, so a server slow to fail does not hold up the others; named in the configuration's order.
  const listings = await Promise.allSettled(servers.map((server) => listOf(server, pool)));
  const refused: string[] = [];
  for (const [index, server] of servers.entries()) {
    try {
      const listing = listings[index];
      if (listing?.status !== 'fulfilled') throw listing?.reason;
      tools.push(...wrap(server, listing.value, pool, taken));
    } catch (error) {
      const message = (error as Error).message;
      if (server.strict) {
        refused.push(message);
        continue;
      }
      pending.set(server.name, message);
      const later = retry
        ? `it is tried again in ${shown(retry.initialMs)}, then less often (up to every ${shown(retry.maxMs)}), and its tools join once it connects`
        : 'its tools are not offered';
      log(
        `Warning: ${message}. Starting without its tools (the other servers and the built-in tools serve); ${later}. ` +
          `Set "strict": true on it (or DURABLE_AGENT_MCP_STRICT=1) to refuse to start instead.`,
      );
      retryLater(server, 1);
    }
  }
  const close = async () => {
    closed = true;
    for (const timer of timers) clearTimeout(timer);
    await pool.close();
  };
  if (refused.length > 0) {
    await close();
    throw new ConfigurationError(`${refused.join('; ')}. ${refused.length === 1 ? 'That server is' : 'Those servers are'} "strict": fix the command or URL in the MCP configuration, or remove "strict" to start without it.`);
  }
  return {
    tools,
    pool,
    pending,
    onTools: (listener) => void listeners.push(listener),
    unavailable: (toolName) => {
      const server = [...pending.keys()].filter((name) => toolName.startsWith(`${name}__`)).sort((left, right) => right.length - left.length)[0];
      if (server === undefined) return undefined;
      return `"${toolName}" cannot run on this worker now: ${pending.get(server)}. The call is retried: another worker, or this one once the server connects, may run it`;
    },
    close,
  };
}
