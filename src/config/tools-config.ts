import { z } from 'zod';
import type { Resolver } from '../tools/net/address-guard';
import { parseEnvironment } from './parse-environment';

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
  AGENT_HTTP_MAX_BYTES: positiveInteger.default(1_048_576),
  AGENT_READ_MAX_BYTES: positiveInteger.default(262_144),
  AGENT_WAIT_MAX_SECONDS: positiveInteger.default(86_400),
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
}

export function loadBuiltinToolsConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): BuiltinToolsConfig {
  const values = parseEnvironment(ToolsEnvironmentSchema, env, 'tool configuration');
  return {
    workspace: values.AGENT_WORKSPACE ?? cwd,
    httpAllow: values.AGENT_HTTP_ALLOW,
    httpMaxBytes: values.AGENT_HTTP_MAX_BYTES,
    readMaxBytes: values.AGENT_READ_MAX_BYTES,
    waitMaxSeconds: values.AGENT_WAIT_MAX_SECONDS,
  };
}
