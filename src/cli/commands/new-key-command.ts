import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** `durable-agent new-key [id]`: prints a fresh AES-256 key as a `DURABLE_AGENT_ENCRYPTION_KEYS` entry. */
export function registerNewKeyCommand(program: Command): void {
  program
    .command('new-key')
    .description('Print a new payload encryption key as <id>:<base64>, an entry of DURABLE_AGENT_ENCRYPTION_KEYS (docs/security.md).')
    .argument('[id]', "the key's id, 1–64 letters, digits, '.', '_' or '-' (default: key-<today>)")
    .action((id: string | undefined) => {
      const keyId = id ?? `key-${new Date().toISOString().slice(0, 10)}`;
      if (!KEY_ID.test(keyId)) throw new InvalidArgumentError(`the key id "${keyId}" is not one: use 1–64 letters, digits, '.', '_' or '-'.`);
      process.stdout.write(`${keyId}:${randomBytes(32).toString('base64')}\n`);
    });
}
