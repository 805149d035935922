import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { EncryptionKeys } from './encryption-keys';

/** The metadata of an encrypted payload: what it is, and which key opens it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = new TextEncoder();
const words = new TextDecoder();

/** A payload this process cannot open: its key is missing, it was altered, or it is plain text where none may be. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

function metadataOf(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? words.decode(value) : undefined;
}

/**
 * AES-256-GCM for every payload that leaves this process: the whole payload (its metadata and data, as Temporal's
 * protobuf) is encrypted with the active key and a fresh 96-bit nonce, and the key id is bound to it as associated
 * data, so a payload cannot be passed off as another key's. Decryption picks the key by the id in the metadata.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: EncryptionKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keys.activeKeyId;
    const key = this.keys.key(keyId) as Buffer;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(text.encode(keyId));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: text.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text.encode(keyId), [CIPHER_METADATA]: text.encode(CIPHER) },
        data: new Uint8Array(sealed),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    if (metadataOf(payload, 'encoding') !== ENCRYPTED_ENCODING) {
      if (this.keys.acceptPlaintext) return payload;
      throw new PayloadDecryptionError(
        `refused a payload that is not encrypted (encoding ${metadataOf(payload, 'encoding') ?? 'none'}): with encryption on, every payload must be. A run started before encryption was turned on can be read with DURABLE_AGENT_ENCRYPTION_ACCEPT_PLAINTEXT=true (docs/security.md).`,
      );
    }
    const keyId = metadataOf(payload, KEY_ID_METADATA) ?? '';
    const key = this.keys.key(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `a payload is encrypted with the key "${keyId}", which this process does not have (it has ${this.keys.keyIds.map((id) => `"${id}"`).join(', ')} from ${this.keys.source}). Add the key "${keyId}" back (after the active key) until no run needs it (docs/security.md).`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`an encrypted payload (key "${keyId}") is too short to be one: it was altered or cut.`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(text.encode(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      const opened = temporal.api.common.v1.Payload.decode(plain);
      // Plain Uint8Arrays, as the SDK's own payloads are (protobufjs gives Buffers inside a message object).
      const metadata = Object.fromEntries(Object.entries(opened.metadata).map(([name, value]) => [name, new Uint8Array(value)]));
      const external = opened.externalPayloads.length > 0 ? { externalPayloads: opened.externalPayloads } : {};
      return { metadata, data: new Uint8Array(opened.data), ...external };
    } catch {
      throw new PayloadDecryptionError(`an encrypted payload does not open with the key "${keyId}": the key with that id is not the one it was encrypted with, or the payload was altered.`);
    }
  }
}
