import type { z } from 'zod';

/** Raised at start-up when the environment is invalid; the message names each bad variable. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/**
 * Validates environment variables with a zod schema; on failure throws one `ConfigurationError` that names
 * every bad variable, what was expected and what came.
 */
export function parseEnvironment<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv, what: string): z.output<Schema> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    return `  ${name}: ${issue.message}, got \`${String(env[name])}\``;
  });
  throw new ConfigurationError(`Invalid ${what} in the environment:\n${problems.join('\n')}`);
}
