import { READ_OUTPUT_OBSERVATION_BYTES, READ_OUTPUT_TOOL } from '../contracts/limits';
import type { Observation, ObservationEntry, TaskResult } from './model';

/** Share of a preview's byte budget kept from the head of the text; the rest comes from the tail. */
const HEAD_SHARE = 0.6;

/** Short words for failure types in the tally line. */
const FAILURE_WORDS: Record<string, string> = {
  ToolTimeout: 'timeout',
  ToolInputInvalid: 'invalid input',
  ToolUnknown: 'unknown tool',
  ToolNotAllowed: 'not allowed',
  ToolCancelled: 'cancelled',
  ToolError: 'error',
  ToolFailed: 'error',
  ToolSkipped: 'skipped',
  PlanInvalid: 'plan refused',
  ToolUnavailable: 'no worker',
  ToolDenied: 'denied',
  ToolApprovalTimeout: 'approval timed out',
  QuestionTimeout: 'no answer',
  OutputExpired: 'output expired',
};

/** `5242880` → `5,242,880` (no Intl: the same in every runtime, the sandbox included). */
export function groupDigits(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The line above a preview that is not the whole output: stored outside history (readable), or cut (gone). */
function previewHeader(result: TaskResult): string {
  if (!result.ok || result.outputBytes === undefined) return '';
  const what = `a JSON ${result.outputKind ?? 'value'} of ${groupDigits(result.outputBytes)} bytes`;
  if (result.outputRef) return `[stored output ${result.outputRef.handle}: ${what}; its head and tail follow; read any part with read_output]\n`;
  return `[cut to fit history: a JSON ${result.outputKind ?? 'value'} of ${result.outputBytes} bytes; its head and tail follow]\n`;
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/** UTF-8 size of a string, computed without TextEncoder so it runs anywhere (including the workflow sandbox). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const character of text) bytes += utf8Length(character.codePointAt(0) ?? 0);
  return bytes;
}

/** The longest prefix (or suffix) of `characters` whose UTF-8 size fits `budget`, never splitting a character. */
function fit(characters: string[], budget: number, fromEnd: boolean): { text: string; bytes: number } {
  const kept: string[] = [];
  let bytes = 0;
  for (let index = 0; index < characters.length; index += 1) {
    const character = characters[fromEnd ? characters.length - 1 - index : index] ?? '';
    const size = utf8Length(character.codePointAt(0) ?? 0);
    if (bytes + size > budget) break;
    kept.push(character);
    bytes += size;
  }
  return { text: (fromEnd ? kept.reverse() : kept).join(''), bytes };
}

/** Turns any tool output into text: strings as they are, everything else as JSON. */
export function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output === undefined) return '';
  try {
    return JSON.stringify(output) ?? `[${typeof output}]`;
  } catch (error) {
    return `[output not serializable as JSON: ${(error as Error).message}]`;
  }
}

/**
 * Bounds `text` to `budgetBytes` of UTF-8: the head and the tail are kept and an explicit
 * `[… N bytes omitted …]` marker stands between them. The marker itself is not counted in the budget.
 */
export function boundText(
  text: string,
  budgetBytes: number,
  /** Size of the original when `text` is already a cut of it (the tool activity caps what enters history). */
  originalBytes?: number,
): { preview: string; bytes: number; omittedBytes: number } {
  const textBytes = utf8Bytes(text);
  const bytes = Math.max(originalBytes ?? textBytes, textBytes);
  // A text already cut upstream carries its own marker; it only needs cutting again when over budget.
  if (textBytes <= budgetBytes) return { preview: text, bytes, omittedBytes: bytes - textBytes };
  const characters = Array.from(text);
  const head = fit(characters, Math.floor(budgetBytes * HEAD_SHARE), false);
  const tail = fit(characters, budgetBytes - head.bytes, true);
  const omittedBytes = bytes - head.bytes - tail.bytes;
  return { preview: `${head.text}\n[… ${omittedBytes} bytes omitted …]\n${tail.text}`, bytes, omittedBytes };
}

/** One line that counts the step's calls: "Executed 3 tasks: 2 succeeded, 1 failed (timeout)". */
export function tallyLine(results: readonly TaskResult[]): string {
  const succeeded = results.filter((result) => result.ok).length;
  const failures = results.filter((result) => !result.ok);
  const noun = results.length === 1 ? 'task' : 'tasks';
  if (failures.length === 0) return `Executed ${results.length} ${noun}: ${succeeded} succeeded`;
  const reasons: string[] = [];
  for (const failure of failures) {
    const type = failure.error?.type ?? 'ToolFailed';
    const word = FAILURE_WORDS[type] ?? type;
    if (!reasons.includes(word)) reasons.push(word);
  }
  return `Executed ${results.length} ${noun}: ${succeeded} succeeded, ${failures.length} failed (${reasons.join(', ')})`;
}

/** Summarizes a step's results into a bounded observation. Pure and deterministic. */
export function summarize(results: readonly TaskResult[], budgetBytesPerCall: number): Observation {
  const entries: ObservationEntry[] = results.map((result) => {
    const text = result.ok ? outputText(result.output) : `${result.error?.type ?? 'ToolFailed'}: ${result.error?.message ?? 'failed'}`;
    // A `read_output` window is bounded by the tool itself: cutting it again would drop the part the model asked for.
    const budget = result.ok && result.tool === READ_OUTPUT_TOOL ? Math.max(budgetBytesPerCall, READ_OUTPUT_OBSERVATION_BYTES) : budgetBytesPerCall;
    const bounded = boundText(text, budget, result.ok ? result.outputBytes : undefined);
    // A cut or stored output is text now, whatever it was: say what it was, so the model does not take it for a string,
    // and, when it is stored, how to read the rest.
    const cut = previewHeader(result);
    return {
      id: result.id,
      callId: result.callId,
      tool: result.tool,
      ok: result.ok,
      preview: `${cut}${bounded.preview}`,
      bytes: bounded.bytes,
      omittedBytes: bounded.omittedBytes,
      ...(result.ok ? {} : { errorType: result.error?.type ?? 'ToolFailed' }),
    };
  });
  return { summary: tallyLine(results), results: entries };
}
