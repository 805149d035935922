import type { Tool, ToolContext } from '../../src/tools/define-tool';

/** A context for calling a tool's handler directly, outside any activity (no heartbeats, no cancellation). */
export function directToolContext(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    idempotencyKey: 'direct/call',
    attempt: 1,
    workflowId: 'direct',
    log: { info: () => undefined, warn: () => undefined },
    ...overrides,
  };
}

/** What one direct call gave: the output, or the error it threw. */
export type CallOutcome = { ok: true; output: unknown } | { ok: false; error: Error };

/** Parses `input` with the tool's schema (as the activity does) and runs the handler; never throws. */
export async function callTool(tool: Tool, input: unknown, context: ToolContext = directToolContext()): Promise<CallOutcome> {
  try {
    const checked = tool.validate(input);
    if (!checked.ok) throw new Error(checked.problems);
    return { ok: true, output: await tool.run(checked.value, context) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}
