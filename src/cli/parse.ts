import { InvalidArgumentError } from 'commander';

/** Parses a TCP port (0–65535) for commander, with a message that names what was expected. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`Expected a port number between 0 and 65535, got \`${value}\`.`);
  }
  return port;
}
