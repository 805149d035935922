import { createContext, runInContext } from 'node:vm';

/** Longest a search may run: a pattern that backtracks forever is stopped, not left holding the worker. */
export const SEARCH_TIMEOUT_MS = 2_000;
/** Characters of a long line shown before and after a match. */
const CONTEXT_BEFORE = 120;
const CONTEXT_AFTER = 240;
/** Bytes of matched lines one search returns at most, whatever `maxMatches` says. */
const SEARCH_RESULT_BYTES = 60_000;

/** A problem with what was asked (an offset past the end, a bad pattern): the model can ask again. */
export class OutputReadError extends Error {
  override name = 'OutputReadError';
}

/** The first character boundary at or after `offset` in UTF-8 (a continuation byte is 10xxxxxx). */
function boundaryAfter(bytes: Buffer, offset: number): number {
  let at = offset;
  while (at < bytes.length && ((bytes[at] as number) & 0xc0) === 0x80) at += 1;
  return at;
}

/** A slice of a stored text. */
export interface OutputSlice {
  /** Where the slice starts (moved forward to a character boundary when `offset` fell inside one). */
  offset: number;
  /** Bytes in the slice. */
  bytes: number;
  text: string;
  /** Where the next slice starts; absent at the end. */
  nextOffset?: number;
}

/** `length` bytes from `offset`, never splitting a character. */
export function readSlice(bytes: Buffer, offset: number, length: number): OutputSlice {
  if (offset >= bytes.length) throw new OutputReadError(`offset ${offset} is past the end: the output has ${bytes.length} bytes (offsets 0 to ${Math.max(0, bytes.length - 1)})`);
  const start = boundaryAfter(bytes, offset);
  const end = boundaryAfter(bytes, Math.min(bytes.length, start + length));
  // A single character longer than `length` is still returned whole.
  const text = bytes.toString('utf8', start, end);
  return { offset: start, bytes: end - start, text, ...(end < bytes.length ? { nextOffset: end } : {}) };
}

/** One matching line. */
export interface OutputMatch {
  /** 1-based line number in the whole output. */
  line: number;
  /** Byte offset of the match in the whole output (read around it with `offset`). */
  offset: number;
  /** The line, or the part of a long line around the match (cuts marked with …). */
  text: string;
}

export interface OutputSearch {
  matches: OutputMatch[];
  /** True when more matches follow: search again from `nextOffset`. */
  more: boolean;
  nextOffset?: number;
}

export interface SearchOptions {
  pattern: string;
  /** `pattern` is a JavaScript regular expression (otherwise plain text). */
  regex: boolean;
  ignoreCase: boolean;
  /** Byte offset to search from. */
  from: number;
  maxMatches: number;
}

/** Positions (character index, length) of the first `limit` matches, found in a separate context under a timeout. */
function findMatches(text: string, source: string, flags: string, limit: number): Array<[number, number]> {
  const sandbox = createContext({ text, source, flags, limit });
  const code = `(() => {
    const pattern = new RegExp(source, flags);
    const found = [];
    let match;
    while (found.length < limit && (match = pattern.exec(text)) !== null) {
      found.push([match.index, match[0].length]);
      if (match[0].length === 0) pattern.lastIndex += 1;
    }
    return JSON.stringify(found);
  })()`;
  try {
    return JSON.parse(runInContext(code, sandbox, { timeout: SEARCH_TIMEOUT_MS }) as string) as Array<[number, number]>;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new OutputReadError(`the search ran past ${SEARCH_TIMEOUT_MS} ms and was stopped: use a simpler pattern, or plain text`);
    throw new OutputReadError(`invalid regular expression: ${(error as Error).message}`);
  }
}

function lineCount(bytes: Buffer, end: number): number {
  let lines = 0;
  for (let at = bytes.indexOf(10); at >= 0 && at < end; at = bytes.indexOf(10, at + 1)) lines += 1;
  return lines;
}

/** The lines that match, from `from` on, with their line numbers and byte offsets; bounded in count and bytes. */
export function searchOutput(bytes: Buffer, options: SearchOptions): OutputSearch {
  if (options.from >= bytes.length) throw new OutputReadError(`offset ${options.from} is past the end: the output has ${bytes.length} bytes`);
  const start = boundaryAfter(bytes, options.from);
  const text = bytes.toString('utf8', start);
  const source = options.regex ? options.pattern : options.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = findMatches(text, source, `g${options.ignoreCase ? 'i' : ''}m`, options.maxMatches + 1);
  const matches: OutputMatch[] = [];
  let line = lineCount(bytes, start) + 1;
  let lineAt = 0;
  let byteAt = start;
  let charAt = 0;
  let shownBytes = 0;
  let lastLine = -1;
  for (const [index, length] of found.slice(0, options.maxMatches)) {
    for (let newline = text.indexOf('\n', lineAt); newline >= 0 && newline < index; newline = text.indexOf('\n', newline + 1)) {
      line += 1;
      lineAt = newline + 1;
    }
    byteAt += Buffer.byteLength(text.slice(charAt, index));
    charAt = index;
    // One entry per line: a second match on a line already shown adds nothing.
    if (line === lastLine) continue;
    const lineEnd = text.indexOf('\n', index + length) < 0 ? text.length : text.indexOf('\n', index + length);
    const from = Math.max(lineAt, index - CONTEXT_BEFORE);
    const to = Math.min(lineEnd, index + length + CONTEXT_AFTER);
    const shown = `${from > lineAt ? '…' : ''}${text.slice(from, to)}${to < lineEnd ? '…' : ''}`;
    shownBytes += Buffer.byteLength(shown);
    if (shownBytes > SEARCH_RESULT_BYTES) return { matches, more: true, nextOffset: byteAt };
    matches.push({ line, offset: byteAt, text: shown });
    lastLine = line;
  }
  const more = found.length > options.maxMatches;
  if (!more) return { matches, more };
  const [nextIndex] = found[options.maxMatches] as [number, number];
  return { matches, more, nextOffset: byteAt + Buffer.byteLength(text.slice(charAt, nextIndex)) };
}
