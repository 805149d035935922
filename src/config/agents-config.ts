import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEnvironment } from './parse-environment';

const AgentsEnvironmentSchema = z.object({
  /** The folder of agent files (docs/sub-agents.md), as `--agents DIR`. */
  DURABLE_AGENT_AGENTS_DIR: z.string().trim().min(1).optional(),
});

/**
 * The folder of agent files a command uses (docs/sub-agents.md, "Agents as files"): `--agents DIR`, else
 * `$DURABLE_AGENT_AGENTS_DIR`, else none; resolved against `cwd`. Whether it exists is checked when it is read.
 */
export function agentsFolderFor(optionPath?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const folder = optionPath?.trim() || parseEnvironment(AgentsEnvironmentSchema, env, 'agents configuration').DURABLE_AGENT_AGENTS_DIR;
  return folder ? resolve(cwd, folder) : undefined;
}
