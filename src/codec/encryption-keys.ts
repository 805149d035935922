import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../config/parse-environment';

/** Where the keys come from: a list in the environment, or a file of them (one per line). */
export const KEYS_VARIABLE = 'DURABLE_AGENT_ENCRYPTION_KEYS';
export const KEY_FILE_VARIABLE = 'DURABLE_AGENT_ENCRYPTION_KEY_FILE';
/** `true` while a deployment moves to encryption: payloads written before it was turned on are still read. */
export const ACCEPT_PLAINTEXT_VARIABLE = 'DURABLE_AGENT_ENCRYPTION_ACCEPT_PLAINTEXT';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const KEY_BYTES = 32;

/**
 * The AES-256 keys of a process, by id. The first key encrypts every new payload; the others only decrypt (rotation:
 * put the new key first and keep the old ones until no run needs them). The key bytes live in a private field, so
 * printing or serializing the configuration never shows them; only the ids are public.
 */
export class EncryptionKeys {
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(
    keys: ReadonlyArray<readonly [string, Buffer]>,
    /** Read payloads that are not encrypted (written before encryption was turned on) instead of refusing them. */
    readonly acceptPlaintext = false,
    /** Where the keys came from, for messages: the variable or the file. */
    readonly source = KEYS_VARIABLE,
  ) {
    if (keys.length === 0) throw new ConfigurationError(`${source} holds no key: give at least one as <id>:<32 bytes in base64>.`);
    const map = new Map<string, Buffer>();
    for (const [id, key] of keys) {
      if (map.has(id)) throw new ConfigurationError(`${source} names the key id "${id}" twice: each key needs its own id.`);
      map.set(id, key);
    }
    this.#keys = map;
  }

  /** The id of the key new payloads are encrypted with. */
  get activeKeyId(): string {
    return [...this.#keys.keys()][0] as string;
  }

  /** Every id this process can decrypt, the active one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** The key of `id`, or undefined when this process does not have it. */
  key(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  toJSON(): { activeKeyId: string; keyIds: string[]; acceptPlaintext: boolean } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds, acceptPlaintext: this.acceptPlaintext };
  }
}

/** Parses `<id>:<base64>` entries separated by commas or new lines (`#` starts a comment in a file). */
export function parseKeyList(text: string, source: string, acceptPlaintext = false): EncryptionKeys {
  // Comments first (a comment may hold commas), then the entries of each line.
  const entries = text
    .split('\n')
    .flatMap((line) => line.replace(/#.*$/, '').split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const keys = entries.map((entry, index): [string, Buffer] => {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator).trim() : '';
    const encoded = separator > 0 ? entry.slice(separator + 1).trim() : '';
    // The message names the entry by its position and id, never by its key material.
    const which = `entry ${index + 1}${KEY_ID.test(id) ? ` (key id "${id}")` : ''}`;
    if (!KEY_ID.test(id)) throw new ConfigurationError(`${source}, ${which}: expected <id>:<key>, with an id of 1–64 letters, digits, '.', '_' or '-'. \`durable-agent new-key\` prints one.`);
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) throw new ConfigurationError(`${source}, ${which}: the key must be ${KEY_BYTES} random bytes in base64 (44 characters). \`durable-agent new-key\` prints one.`);
    return [id, key];
  });
  return new EncryptionKeys(keys, acceptPlaintext, source);
}

/**
 * The encryption keys the environment gives (`DURABLE_AGENT_ENCRYPTION_KEYS`, or the file at
 * `DURABLE_AGENT_ENCRYPTION_KEY_FILE`), or undefined when encryption is off (neither is set).
 */
export function loadEncryptionKeys(env: NodeJS.ProcessEnv = process.env): EncryptionKeys | undefined {
  const inline = env[KEYS_VARIABLE]?.trim();
  const file = env[KEY_FILE_VARIABLE]?.trim();
  const accept = env[ACCEPT_PLAINTEXT_VARIABLE]?.trim().toLowerCase();
  if (accept && !['true', 'false', '1', '0'].includes(accept)) throw new ConfigurationError(`${ACCEPT_PLAINTEXT_VARIABLE}: expected true or false, got \`${accept}\`.`);
  const acceptPlaintext = accept === 'true' || accept === '1';
  if (inline && file) throw new ConfigurationError(`Both ${KEYS_VARIABLE} and ${KEY_FILE_VARIABLE} are set: keep one, so there is one list of keys.`);
  if (inline) return parseKeyList(inline, KEYS_VARIABLE, acceptPlaintext);
  if (!file) {
    if (acceptPlaintext) throw new ConfigurationError(`${ACCEPT_PLAINTEXT_VARIABLE} is set but encryption is off: set ${KEYS_VARIABLE} or ${KEY_FILE_VARIABLE} too, or unset it.`);
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`${KEY_FILE_VARIABLE}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  return parseKeyList(text, `the key file ${file}`, acceptPlaintext);
}
