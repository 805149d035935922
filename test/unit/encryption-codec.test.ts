import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { CIPHER_METADATA, ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA, PayloadDecryptionError } from '../../src/codec/encryption-codec';
import { loadEncryptionKeys, parseKeyList } from '../../src/codec/encryption-keys';
import { ConfigurationError } from '../../src/config/parse-environment';

const newKey = () => randomBytes(32).toString('base64');
const K1 = newKey();
const K2 = newKey();
const words = new TextDecoder();
const meta = (payload: Payload, name: string) => words.decode(payload.metadata?.[name] ?? new Uint8Array());
const payload = (value: unknown) => defaultPayloadConverter.toPayload(value);
const SECRET = 'the customer card ends in 4242';

describe('EncryptionCodec', () => {
  it('encrypts every payload with the active key, and decodes it to the same payload', async () => {
    const codec = new EncryptionCodec(parseKeyList(`k1:${K1}`, 'test'));
    const original = [payload({ secret: SECRET }), payload(null), payload('x'.repeat(100_000))];
    const encoded = await codec.encode(original);
    for (const sealed of encoded) {
      expect(meta(sealed, 'encoding')).toBe(ENCRYPTED_ENCODING);
      expect(meta(sealed, KEY_ID_METADATA)).toBe('k1');
      expect(meta(sealed, CIPHER_METADATA)).toBe('AES-256-GCM');
      expect(Buffer.from(sealed.data ?? []).toString('latin1')).not.toContain('customer card');
    }
    expect(await codec.decode(encoded)).toEqual(original);
  });

  it('uses a fresh nonce each time: the same payload never encrypts to the same bytes', async () => {
    const codec = new EncryptionCodec(parseKeyList(`k1:${K1}`, 'test'));
    const [a, b] = await codec.encode([payload(SECRET), payload(SECRET)]);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  it('rotates: new payloads use the new key, old ones still decrypt while the old key is listed', async () => {
    const before = await new EncryptionCodec(parseKeyList(`k1:${K1}`, 'test')).encode([payload(SECRET)]);
    const rotated = new EncryptionCodec(parseKeyList(`k2:${K2},k1:${K1}`, 'test'));
    const after = await rotated.encode([payload(SECRET)]);
    expect(meta(after[0] as Payload, KEY_ID_METADATA)).toBe('k2');
    expect(await rotated.decode([...before, ...after])).toEqual([payload(SECRET), payload(SECRET)]);
  });

  it('names the missing key when a retired key is needed', async () => {
    const before = await new EncryptionCodec(parseKeyList(`k1:${K1}`, 'test')).encode([payload(SECRET)]);
    const retired = new EncryptionCodec(parseKeyList(`k2:${K2}`, 'DURABLE_AGENT_ENCRYPTION_KEYS'));
    await expect(retired.decode(before)).rejects.toThrow(PayloadDecryptionError);
    await expect(retired.decode(before)).rejects.toThrow(/encrypted with the key "k1", which this process does not have \(it has "k2" from DURABLE_AGENT_ENCRYPTION_KEYS\)/);
  });

  it('refuses an altered payload, and a key of the same id that is not the one used', async () => {
    const codec = new EncryptionCodec(parseKeyList(`k1:${K1}`, 'test'));
    const [sealed] = await codec.encode([payload(SECRET)]);
    const altered = Buffer.from(sealed?.data ?? []);
    altered[20] = (altered[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed, data: new Uint8Array(altered) }])).rejects.toThrow(/does not open with the key "k1"/);
    const impostor = new EncryptionCodec(parseKeyList(`k1:${K2}`, 'test'));
    await expect(impostor.decode([sealed as Payload])).rejects.toThrow(/does not open with the key "k1"/);
  });

  it('refuses plain payloads unless a migration accepts them', async () => {
    await expect(new EncryptionCodec(parseKeyList(`k1:${K1}`, 'test')).decode([payload(SECRET)])).rejects.toThrow(/not encrypted .*DURABLE_AGENT_ENCRYPTION_ACCEPT_PLAINTEXT/);
    expect(await new EncryptionCodec(parseKeyList(`k1:${K1}`, 'test', true)).decode([payload(SECRET)])).toEqual([payload(SECRET)]);
  });
});

describe('encryption keys from the environment', () => {
  it('is off when neither variable is set', () => {
    expect(loadEncryptionKeys({})).toBeUndefined();
  });

  it('reads a list (first key active) and never shows key material when printed', () => {
    const keys = loadEncryptionKeys({ DURABLE_AGENT_ENCRYPTION_KEYS: ` k2:${K2} , k1:${K1} ` });
    expect(keys?.activeKeyId).toBe('k2');
    expect(keys?.keyIds).toEqual(['k2', 'k1']);
    const printed = `${JSON.stringify({ keys })} ${inspect(keys, { showHidden: true, depth: 5 })}`;
    expect(printed).toContain('k2');
    expect(printed).not.toContain(K2);
    expect(printed).not.toContain(K1);
  });

  it('reads a key file with comments', () => {
    const folder = mkdtempSync(join(tmpdir(), 'keys-'));
    try {
      const file = join(folder, 'keys');
      writeFileSync(file, `# rotated 2026-12-03, newest first\nk2:${K2}\nk1:${K1}  # retire after the last k1 run ends\n`);
      expect(loadEncryptionKeys({ DURABLE_AGENT_ENCRYPTION_KEY_FILE: file })?.keyIds).toEqual(['k2', 'k1']);
      expect(() => loadEncryptionKeys({ DURABLE_AGENT_ENCRYPTION_KEY_FILE: join(folder, 'none') })).toThrow(/cannot read .*ENOENT/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it.each([
    [{ DURABLE_AGENT_ENCRYPTION_KEYS: 'k1' }, /entry 1: expected <id>:<key>/],
    [{ DURABLE_AGENT_ENCRYPTION_KEYS: `k1:${K1.slice(0, 20)}` }, /entry 1 \(key id "k1"\): the key must be 32 random bytes/],
    [{ DURABLE_AGENT_ENCRYPTION_KEYS: `k1:${K1},k1:${K2}` }, /names the key id "k1" twice/],
    [{ DURABLE_AGENT_ENCRYPTION_KEYS: `k1:${K1}`, DURABLE_AGENT_ENCRYPTION_KEY_FILE: '/x' }, /Both .* are set/],
    [{ DURABLE_AGENT_ENCRYPTION_ACCEPT_PLAINTEXT: 'true' }, /encryption is off/],
    [{ DURABLE_AGENT_ENCRYPTION_KEYS: `k1:${K1}`, DURABLE_AGENT_ENCRYPTION_ACCEPT_PLAINTEXT: 'yes' }, /expected true or false/],
  ])('refuses %j with a clear message and no key material', (env, message) => {
    let error: unknown;
    try {
      loadEncryptionKeys(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(K1.slice(0, 20));
  });
});
