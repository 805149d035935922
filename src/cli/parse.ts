import { msToNumber } from '@temporalio/common/lib/time';
import { InvalidArgumentError } from 'commander';

/** Parses a TCP port (0–65535) for commander, with a message that names what was expected. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`Expected a port number between 0 and 65535, got \`${value}\`.`);
  }
  return port;
}

/** Parses an integer >= 1 for commander. */
export function parsePositiveInteger(value: string): number {
  return parseSafeInteger(value, 1);
}

/**
 * Parses `--tools a,b` into an allowlist. Blank entries are dropped, so `""`, `" , "` and `","` all mean the
 * same thing: an empty allowlist, no tools at all (never "all tools", which is what leaving the flag out means).
 */
export function parseToolList(value: string): string[] {
  return [...new Set(value.split(',').map((name) => name.trim()).filter(Boolean))];
}

/** `--fast-tools a,b` names the run's fast tools; `none` (or `false`) turns the fast path off (docs/fast-steps.md). */
export function parseFastTools(value: string): false | string[] {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === 'none' || trimmed === 'false') return false;
  const names = parseToolList(value);
  if (names.length === 0) throw new InvalidArgumentError('expected tool names separated by commas, or "none"');
  return names;
}

/** Parses a duration (`90s`, `10m`, `2h`, `1 day`, or milliseconds) for commander, into milliseconds. */
export function parseDuration(value: string): number {
  let ms: number;
  try {
    ms = msToNumber(/^\d+$/.test(value) ? Number(value) : (value as Parameters<typeof msToNumber>[0]));
  } catch {
    ms = Number.NaN;
  }
  if (!Number.isFinite(ms) || ms < 1) throw new InvalidArgumentError(`Expected a duration such as 90s, 10m or 2h, got \`${value}\`.`);
  return Math.round(ms);
}

/** Parses an integer >= 0 for commander (an offset). */
export function parseNonNegativeInteger(value: string): number {
  return parseSafeInteger(value, 0);
}

/**
 * An integer >= `min` written in digits. Commander puts the option's name in front of the message. Digits past
 * `Number.MAX_SAFE_INTEGER` are refused: they would be rounded, and no offset, count or limit gets that large.
 */
function parseSafeInteger(value: string, min: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min) throw new InvalidArgumentError(`Expected an integer >= ${min}, got \`${value}\`.`);
  if (!Number.isSafeInteger(number)) throw new InvalidArgumentError(`Expected an integer >= ${min} and at most ${Number.MAX_SAFE_INTEGER}, got \`${value}\`.`);
  return number;
}

/** An amount in USD above 0 (`--max-cost 2.50`, `raise-budget --usd 5`). */
export function parseUsd(value: string): number {
  const usd = Number(value);
  if (!Number.isFinite(usd) || usd <= 0) throw new InvalidArgumentError(`Expected an amount in USD above 0, such as 2.50, got \`${value}\`.`);
  return usd;
}

/** `--tools-from <run> [--unmatched live|refuse]`: tools answered from a recorded run (docs/forks.md). */
export function recordedToolsOf(options: { toolsFrom?: string; unmatched?: 'live' | 'refuse' }): { recordedTools?: { from: string; unmatched?: 'live' | 'refuse' } } {
  if (options.toolsFrom === undefined) {
    if (options.unmatched !== undefined) throw new InvalidArgumentError('--unmatched needs --tools-from <run id>: it says what a call the recording lacks does.');
    return {};
  }
  return { recordedTools: { from: options.toolsFrom, ...(options.unmatched ? { unmatched: options.unmatched } : {}) } };
}

/** The `--unmatched` choices. */
export const UNMATCHED_CHOICES = ['live', 'refuse'] as const;
