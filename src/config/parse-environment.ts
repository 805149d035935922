import type { z } from 'zod';

/** Raised at start-up when the environment is invalid; the message names each bad variable. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/**
 * The environment without its empty and whitespace-only variables. `OPENAI_API_KEY=` means "unset" to a shell
 * user and to the openai SDK (which ignores blank values), so every schema sees such a variable as absent and
 * its default applies, instead of failing on a value nobody meant to give.
 */
export function withoutBlankVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
}

/**
 * Validates environment variables with a zod schema; on failure throws one `ConfigurationError` that names
 * every bad variable, what was expected and what came. Blank variables count as unset (`withoutBlankVariables`).
 */
export function parseEnvironment<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv, what: string): z.output<Schema> {
  const present = withoutBlankVariables(env);
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    return `  ${name}: ${issue.message}, got \`${String(present[name])}\``;
  });
  throw new ConfigurationError(`Invalid ${what} in the environment:\n${problems.join('\n')}`);
}
