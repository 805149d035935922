import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '../config/temporal-config';
import { describeIssues } from '../core/zod-issues';

/** A tool's limits, set per server and overridable per tool (milliseconds, attempts). */
const LimitsSchema = z.object({
  /** Start-to-close timeout of one call attempt; on expiry the MCP request is cancelled. @default 60 s */
  timeoutMs: z.number().int().min(100).max(24 * 3_600_000).optional(),
  /** Attempts of a call (transport errors and a crashed server are retried; `isError` results are not). @default 3 */
  maxAttempts: z.number().int().min(1).max(100).optional(),
  /** Every call waits for a person's approval. @default false */
  requiresApproval: z.boolean().optional(),
  /**
   * Calls are short: they run as local activities on the run's own worker (docs/fast-steps.md). A tool that needs an
   * approval keeps its activity. @default false
   */
  fast: z.boolean().optional(),
  /** What a repeat costs: `read`/`idempotent` calls are retried, `mutating` ones run once. @default from the tool's annotations */
  effects: z.enum(['read', 'idempotent', 'mutating']).optional(),
});
export type McpLimits = z.infer<typeof LimitsSchema>;

const CommonSchema = LimitsSchema.extend({
  /** Per-tool limits, by the server's own tool name. */
  tools: z.record(z.string(), LimitsSchema).optional(),
  /** Close the pooled connection (and stop a stdio server) after this long unused. @default 5 min */
  idleTimeoutMs: z.number().int().min(1_000).optional(),
  /**
   * A worker that cannot start this server (or list its tools) fails to start, naming it. Otherwise the failure is a
   * warning: the other servers and the built-in tools serve, and this one is retried in the background (5 s doubling
   * to 5 min) until its tools join. `DURABLE_AGENT_MCP_STRICT=1` makes every server strict. @default false
   */
  strict: z.boolean().optional(),
});

const StdioServerSchema = CommonSchema.extend({
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  /** Added to a minimal environment (PATH, HOME…); `${VAR}` is expanded from the worker's environment. */
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
}).strict();

const HttpServerSchema = CommonSchema.extend({
  url: z.string().url(),
  /** Sent with every request; `${VAR}` is expanded from the worker's environment (tokens stay in the worker). */
  headers: z.record(z.string(), z.string()).optional(),
}).strict();

/** The format other MCP clients use (`claude_desktop_config.json`, `.cursor/mcp.json`), with optional limits. */
export const McpConfigSchema = z.object({
  mcpServers: z.record(z.string(), z.union([StdioServerSchema, HttpServerSchema])),
});

/** Server names prefix tool names (`name__tool`), so they stay short and plain. */
const SERVER_NAME = /^[A-Za-z0-9_-]{1,32}$/;

export type McpStdioServer = z.infer<typeof StdioServerSchema> & { name: string };
export type McpHttpServer = z.infer<typeof HttpServerSchema> & { name: string };
export type McpServerConfig = McpStdioServer | McpHttpServer;

export const isStdio = (server: McpServerConfig): server is McpStdioServer => 'command' in server;

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `${VAR}` references replaced from `environment`; a missing variable is a configuration error naming it (never its value). */
function expand(value: string, environment: NodeJS.ProcessEnv, where: string): string {
  return value.replace(VARIABLE, (_match, name: string) => {
    const found = environment[name];
    if (found === undefined) throw new ConfigurationError(`${where} uses \${${name}}, which is not set in the worker's environment. Set it, or remove the reference.`);
    return found;
  });
}

function expandAll(values: Record<string, string> | undefined, environment: NodeJS.ProcessEnv, where: string): Record<string, string> | undefined {
  if (!values) return undefined;
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, expand(value, environment, `${where}.${key}`)]));
}

/** `DURABLE_AGENT_MCP_STRICT`: `1`/`true` makes every server `strict`; unset, blank, `0` or `false` leaves each its own. */
function strictByDefault(environment: NodeJS.ProcessEnv): boolean {
  const value = environment.DURABLE_AGENT_MCP_STRICT?.trim().toLowerCase() ?? '';
  if (['1', 'true'].includes(value)) return true;
  if (['', '0', 'false'].includes(value)) return false;
  throw new ConfigurationError(`Expected DURABLE_AGENT_MCP_STRICT to be 1 or 0 (true or false), got \`${environment.DURABLE_AGENT_MCP_STRICT}\`.`);
}

/**
 * Parses an MCP configuration (the `{"mcpServers": {...}}` JSON other MCP clients use) and expands `${VAR}` in `env`
 * and `headers` from the worker's environment. The expanded values live only in the worker: they are never part of
 * a tool's catalogue entry, a workflow input, a history event or a log line. With `DURABLE_AGENT_MCP_STRICT=1`, a
 * server that does not say `strict` is strict.
 */
export function parseMcpConfig(json: unknown, environment: NodeJS.ProcessEnv = process.env, source = 'the MCP configuration'): McpServerConfig[] {
  const strict = strictByDefault(environment);
  const parsed = McpConfigSchema.safeParse(json);
  if (!parsed.success) throw new ConfigurationError(`${source} is invalid: ${describeIssues(parsed.error)}. Expected {"mcpServers": {"name": {"command": "...", "args": [...], "env": {...}} or {"url": "...", "headers": {...}}}}.`);
  const badNames = Object.keys(parsed.data.mcpServers).filter((name) => !SERVER_NAME.test(name));
  if (badNames.length > 0) throw new ConfigurationError(`${source}: server names are 1-32 letters, digits, _ or - (they prefix tool names); rename ${badNames.map((name) => JSON.stringify(name)).join(', ')}.`);
  return Object.entries(parsed.data.mcpServers).map(([name, configured]): McpServerConfig => {
    const server = strict && configured.strict === undefined ? { ...configured, strict } : configured;
    const where = `${source}: mcpServers.${name}`;
    if ('command' in server) {
      const env = expandAll(server.env, environment, `${where}.env`);
      return { ...server, name, ...(env ? { env } : {}) };
    }
    const headers = expandAll(server.headers, environment, `${where}.headers`);
    return { ...server, name, ...(headers ? { headers } : {}) };
  });
}

/** Reads an MCP configuration file; a relative `cwd` of a stdio server is resolved against the file's folder. */
export function loadMcpConfig(path: string, environment: NodeJS.ProcessEnv = process.env): McpServerConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`Cannot read the MCP configuration ${path}: ${(error as Error).message}. Check --mcp-config or DURABLE_AGENT_MCP_CONFIG.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`The MCP configuration ${path} is not valid JSON: ${(error as Error).message}.`);
  }
  return parseMcpConfig(json, environment, path).map((server) => (isStdio(server) && server.cwd ? { ...server, cwd: resolve(dirname(path), server.cwd) } : server));
}

/** The MCP servers a command serves: `--mcp-config FILE`, else `$DURABLE_AGENT_MCP_CONFIG`, else none. */
export function mcpServersFor(optionPath: string | undefined, environment: NodeJS.ProcessEnv = process.env): McpServerConfig[] {
  const path = optionPath ?? (environment.DURABLE_AGENT_MCP_CONFIG?.trim() || undefined);
  return path ? loadMcpConfig(path, environment) : [];
}
