import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_HTTP_GET_OPTIONS } from '../tools/builtin/http-get';
import { DEFAULT_READ_MAX_BYTES } from '../tools/builtin/read-file';
import { DEFAULT_WAIT_MAX_SECONDS } from '../tools/builtin/wait';
import type { OutputStore } from '../outputs/output-store';
import type { Resolver } from '../tools/net/address-guard';
import { ConfigurationError, parseEnvironment } from './parse-environment';

const positiveInteger = z.coerce.number().int().min(1);

const ToolsEnvironmentSchema = z.object({
  /** Root folder of read_file and list_dir. */
  AGENT_WORKSPACE: z.string().trim().min(1).optional(),
  /** Comma-separated host:port pairs that http_get may reach despite the address guard. */
  AGENT_HTTP_ALLOW: z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((entry) => entry.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'expected comma-separated HOST:PORT pairs'))),
  AGENT_HTTP_MAX_BYTES: positiveInteger.default(DEFAULT_HTTP_GET_OPTIONS.maxBytes),
  AGENT_READ_MAX_BYTES: positiveInteger.default(DEFAULT_READ_MAX_BYTES),
  AGENT_WAIT_MAX_SECONDS: positiveInteger.default(DEFAULT_WAIT_MAX_SECONDS),
});

/** Configuration of the built-in tools, from the environment or worker options. */
export interface BuiltinToolsConfig {
  /** @default the worker's current directory */
  workspace: string;
  httpAllow: string[];
  httpMaxBytes: number;
  readMaxBytes: number;
  waitMaxSeconds: number;
  /** Name resolution for http_get (not from the environment; tests inject one). @default the system resolver */
  resolve?: Resolver;
  /** The store `read_output` reads (not from the environment: the worker's own, docs/outputs.md). @default none: no `read_output` */
  outputs?: OutputStore;
}

/**
 * Reads the built-in tools' configuration from the environment and checks it before anything starts:
 * besides the schema, the workspace must be an existing folder (a missing one would otherwise only show
 * up as a refusal of every read_file and list_dir call, in the middle of runs).
 * @throws ConfigurationError naming the variable, what was expected, what came and what to do.
 */
export function loadBuiltinToolsConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): BuiltinToolsConfig {
  const values = parseEnvironment(ToolsEnvironmentSchema, env, 'tool configuration');
  const workspace = resolve(cwd, values.AGENT_WORKSPACE ?? '.');
  checkWorkspaceFolder(workspace, values.AGENT_WORKSPACE);
  return {
    workspace,
    httpAllow: values.AGENT_HTTP_ALLOW,
    httpMaxBytes: values.AGENT_HTTP_MAX_BYTES,
    readMaxBytes: values.AGENT_READ_MAX_BYTES,
    waitMaxSeconds: values.AGENT_WAIT_MAX_SECONDS,
  };
}

/**
 * Throws a `ConfigurationError` unless `workspace` is an existing folder (symbolic links followed).
 * `configured` is the value of `AGENT_WORKSPACE` it came from, or undefined when it is the current directory.
 */
export function checkWorkspaceFolder(workspace: string, configured: string | undefined): void {
  let problem: string;
  try {
    const stats = statSync(workspace);
    if (stats.isDirectory()) return;
    problem = `which is ${stats.isFile() ? 'a file' : 'not a folder'}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem = code === 'ENOENT' || code === 'ENOTDIR' ? 'which does not exist' : `which cannot be read (${code ?? String(error)})`;
  }
  const came = configured === undefined ? `the current directory \`${workspace}\`` : `\`${configured}\`${configured === workspace ? '' : ` (${workspace})`}`;
  throw new ConfigurationError(
    `Invalid tool configuration in the environment:\n` +
      `  AGENT_WORKSPACE: expected an existing folder (the root of read_file and list_dir), got ${came}, ${problem}. ` +
      'Create that folder, or set AGENT_WORKSPACE to the folder the agent may read.',
  );
}
