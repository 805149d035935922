import type { z } from 'zod';
import { clipInput } from './quote-input';

/**
 * One line per schema problem, `path: message` (`(input)` for the value itself), joined with `; `. With `maxChars`
 * (for input the model wrote), each path and message is cut to that many characters (`clipInput`): a path is made
 * of the model's property names, and zod repeats unrecognized keys in its message.
 */
export function describeIssues(error: z.ZodError, rootName = '(input)', maxChars?: number): string {
  const clip = (text: string) => (maxChars === undefined ? text : clipInput(text, maxChars));
  return error.issues.map((issue) => `${clip(issue.path.length ? issue.path.map(String).join('.') : rootName)}: ${clip(issue.message)}`).join('; ');
}
