import { ASK_USER_TOOL_NAME } from './ask-user-input';
import { isToolPattern, matchesToolName } from './tool-patterns';
import { WAIT_TOOL_NAME } from './wait-input';

/**
 * Built-ins that no approval can gate: `wait` is a durable timer and `ask_user` a question to a person, both run by
 * the workflow itself, and only activities wait for an approval.
 */
export const UNGATED_TOOLS: readonly string[] = [WAIT_TOOL_NAME, ASK_USER_TOOL_NAME];

/**
 * The `requireApproval` entries that would gate nothing: the names `wait` and `ask_user`, and, when the tools are
 * known (`catalogue`), patterns that match only those (`ask_*` on a worker with no other `ask_` tool). Without a
 * catalogue a pattern may match tools this caller cannot see, so it is left to the run.
 */
export function ungatedApprovalEntries(entries: readonly string[], catalogue?: readonly string[]): string[] {
  return entries.filter((entry) => {
    if (!isToolPattern(entry)) return UNGATED_TOOLS.includes(entry);
    if (!catalogue) return false;
    const matched = catalogue.filter((name) => matchesToolName(entry, name));
    return matched.length > 0 && matched.every((name) => UNGATED_TOOLS.includes(name));
  });
}

/** Why `entries` (from {@link ungatedApprovalEntries}) are refused, and what to do. */
export function ungatedApprovalMessage(entries: readonly string[]): string {
  const named = entries.map((entry) => `\`${entry}\``).join(', ');
  return (
    `Expected \`requireApproval\` to name tools that run as activities, got ${named}: \`wait\` is a durable timer and \`ask_user\` already waits for a person; ` +
    `they cannot be gated. Remove ${entries.length === 1 ? 'it' : 'them'} from requireApproval (--require-approval).`
  );
}
