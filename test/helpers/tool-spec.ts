import { TOOL_RETRY_DEFAULT } from '../../src/contracts/limits';
import type { ToolSpec } from '../../src/contracts/tool-spec';

/** A catalogue entry for unit tests: an `echo` tool with the default retry policy, changed by `overrides`. */
export const spec = (overrides: Partial<ToolSpec> = {}): ToolSpec => ({
  name: 'echo',
  description: 'echo',
  inputSchema: {},
  timeoutMs: 1_000,
  retry: TOOL_RETRY_DEFAULT,
  effects: 'read',
  ...overrides,
});
