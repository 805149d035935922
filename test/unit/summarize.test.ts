import type { TaskResult } from '../../src/core/model';
import { boundText, summarize, tallyLine, utf8Bytes } from '../../src/core/summarize';

const ok = (id: string, output: unknown): TaskResult => ({ id, callId: id, tool: 't', ok: true, output, durationMs: 1 });
const failed = (id: string, type: string): TaskResult => ({ id, callId: id, tool: 't', ok: false, error: { type, message: 'boom' }, durationMs: 1 });

describe('boundText', () => {
  it('keeps a text within budget whole', () => {
    expect(boundText('hello', 5)).toEqual({ preview: 'hello', bytes: 5, omittedBytes: 0 });
  });

  it('keeps head and tail within the byte budget and marks what it omitted', () => {
    const text = `${'a'.repeat(600)}${'m'.repeat(10_000)}${'z'.repeat(400)}`;
    const { preview, bytes, omittedBytes } = boundText(text, 1_000);
    expect(bytes).toBe(11_000);
    expect(omittedBytes).toBe(10_000);
    expect(preview).toBe(`${'a'.repeat(600)}\n[… 10000 bytes omitted …]\n${'z'.repeat(400)}`);
  });

  it('counts UTF-8 bytes and never splits a character', () => {
    const text = '€'.repeat(1_000); // 3 bytes each
    const { preview, omittedBytes } = boundText(text, 100);
    const [head, , tail] = preview.split('\n');
    expect(utf8Bytes(head ?? '')).toBeLessThanOrEqual(60);
    expect(utf8Bytes(head ?? '') + utf8Bytes(tail ?? '')).toBeLessThanOrEqual(100);
    expect(head).toMatch(/^€+$/);
    expect(tail).toMatch(/^€+$/);
    expect(omittedBytes % 3).toBe(0);
    expect(utf8Bytes('😀')).toBe(4);
  });

  it('reports the original size of a text already cut upstream', () => {
    expect(boundText('short cut', 100, 5_000)).toEqual({ preview: 'short cut', bytes: 5_000, omittedBytes: 4_991 });
  });
});

describe('tallyLine and summarize', () => {
  it('writes the seed article tally line', () => {
    expect(tallyLine([ok('a', 1), ok('b', 2), failed('c', 'ToolTimeout')])).toBe('Executed 3 tasks: 2 succeeded, 1 failed (timeout)');
    expect(tallyLine([ok('a', 1)])).toBe('Executed 1 task: 1 succeeded');
    expect(tallyLine([failed('a', 'ToolUnknown'), failed('b', 'ToolTimeout'), failed('c', 'ToolUnknown')])).toBe(
      'Executed 3 tasks: 0 succeeded, 3 failed (unknown tool, timeout)',
    );
  });

  it('bounds every result by the per-call budget, JSON-encodes objects, and types failures', () => {
    const observation = summarize([ok('a', { big: 'x'.repeat(5_000) }), failed('b', 'ToolInputInvalid')], 256);
    expect(observation.summary).toBe('Executed 2 tasks: 1 succeeded, 1 failed (invalid input)');
    expect(observation.results[0]?.preview.startsWith('{"big":"xxx')).toBe(true);
    expect(observation.results[0]?.omittedBytes).toBeGreaterThan(4_700);
    expect(utf8Bytes(observation.results[0]?.preview ?? '')).toBeLessThan(256 + 40);
    expect(observation.results[1]).toMatchObject({ ok: false, errorType: 'ToolInputInvalid', preview: 'ToolInputInvalid: boom' });
  });

  it('is deterministic', () => {
    const results = [ok('a', 'x'.repeat(10_000)), failed('b', 'ToolFailed')];
    expect(summarize(results, 300)).toEqual(summarize(results, 300));
  });
});

describe('summarize: stored outputs (docs/outputs.md)', () => {
  it('names a stored output by its handle and size, and says how to read the rest', () => {
    const stored: TaskResult = { ...ok('a', 'head\n[… 5242000 bytes omitted …]\ntail'), outputBytes: 5_242_880, outputKind: 'string', outputRef: { handle: 'out_s1-1_1_0123abcd', bytes: 5_242_880, kind: 'string' } };
    expect(summarize([stored], 2_000).results[0]?.preview).toBe(
      '[stored output out_s1-1_1_0123abcd: a JSON string of 5,242,880 bytes; its head and tail follow; read any part with read_output]\nhead\n[… 5242000 bytes omitted …]\ntail',
    );
    // A cut output (no store) keeps its own line.
    expect(summarize([{ ...stored, outputRef: undefined }], 2_000).results[0]?.preview).toMatch(/^\[cut to fit history: a JSON string of 5242880 bytes; its head and tail follow\]\n/);
  });

  it('shows a read_output window whole, past the per-call budget, and words an expired output in the tally', () => {
    const window = { ...ok('a', { text: 'w'.repeat(60_000) }), tool: 'read_output' };
    expect(summarize([window], 2_000).results[0]).toMatchObject({ omittedBytes: 0 });
    expect(summarize([{ ...window, tool: 't' }], 2_000).results[0]?.omittedBytes).toBeGreaterThan(50_000);
    expect(tallyLine([failed('b', 'OutputExpired')])).toBe('Executed 1 task: 0 succeeded, 1 failed (output expired)');
  });
});
