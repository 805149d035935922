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
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1) throw new InvalidArgumentError(`Expected an integer >= 1, got \`${value}\`.`);
  return number;
}

/**
 * Parses `--tools a,b` into an allowlist. Blank entries are dropped, so `""`, `" , "` and `","` all mean the
 * same thing: an empty allowlist, no tools at all (never "all tools", which is what leaving the flag out means).
 */
export function parseToolList(value: string): string[] {
  return [...new Set(value.split(',').map((name) => name.trim()).filter(Boolean))];
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
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`Expected an integer >= 0, got \`${value}\`.`);
  return Number(value);
}
