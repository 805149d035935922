import { z } from 'zod';
import { defineTool, type Tool } from '../../src/tools/define-tool';

/** Bytes of one line of {@link largeText} (ASCII, newline included). */
export const LARGE_LINE_BYTES = 64;

/**
 * Deterministic text of exactly `bytes` bytes for output `index`: numbered lines of 64 bytes, so a test knows what
 * any offset holds (line n, 1-based, starts at byte (n - 1) × 64) without keeping the text.
 */
export function largeText(index: number, bytes: number): string {
  const lines: string[] = [];
  const count = Math.ceil(bytes / LARGE_LINE_BYTES);
  for (let line = 1; line <= count; line += 1) {
    const head = `output ${index} line ${line}:`;
    lines.push(`${head}${'.'.repeat(LARGE_LINE_BYTES - 1 - head.length)}\n`);
  }
  return lines.join('').slice(0, bytes);
}

/** `large_output`: returns {@link largeText} of the size asked, for the tests and the bench of large outputs. */
export function createLargeOutputTool(): Tool {
  return defineTool({
    name: 'large_output',
    description: 'Returns a large deterministic text (tests)',
    input: z.object({ index: z.number().int().min(0), bytes: z.number().int().min(1).max(50_000_000) }),
    timeout: '60 seconds',
    run: async ({ index, bytes }) => largeText(index, bytes),
  });
}
