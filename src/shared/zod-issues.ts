import type { z } from 'zod';

/** One line per schema problem, `path: message` (`(input)` for the value itself), joined with `; `. */
export function describeIssues(error: z.ZodError, rootName = '(input)'): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : rootName}: ${issue.message}`).join('; ');
}
