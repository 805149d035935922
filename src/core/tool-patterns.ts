/**
 * Tool names in `allowedTools` and `requireApproval` may be patterns: `*` stands for any run of characters
 * (`github__*` is every tool of the MCP server `github`). Pure, so the workflow expands them during replay too.
 */

export const isToolPattern = (entry: string): boolean => entry.includes('*');

/** True when `name` is `entry`, or matches it as a pattern. */
export function matchesToolName(entry: string, name: string): boolean {
  if (!isToolPattern(entry)) return entry === name;
  const pattern = entry.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(name);
}

/** The names of `catalogue` that `entries` name, in catalogue order, and the entries that name none. */
export function expandToolNames(entries: readonly string[], catalogue: readonly string[]): { names: string[]; unmatched: string[] } {
  const names = catalogue.filter((name) => entries.some((entry) => matchesToolName(entry, name)));
  const unmatched = entries.filter((entry) => !catalogue.some((name) => matchesToolName(entry, name)));
  return { names, unmatched };
}
