import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError } from '../codec/encryption-codec';
import type { EncryptionKeys } from '../codec/encryption-keys';

const ProtoPayload = temporal.api.common.v1.Payload;
const words = new TextDecoder();

function metadataOf(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? words.decode(value) : undefined;
}

/**
 * A blob as it is written: a Temporal Payload (metadata and data) in its protobuf form, encrypted by the payload codec
 * (src/codec/encryption-codec.ts) when the process has keys, so a stored output is sealed with the same keys as the
 * history that refers to it, and names the key that opens it.
 */
export async function sealBlob(payload: Payload, keys: EncryptionKeys | undefined): Promise<Uint8Array> {
  const [sealed] = keys ? await new EncryptionCodec(keys).encode([payload]) : [payload];
  return ProtoPayload.encode(sealed as Payload).finish();
}

/**
 * The payload of a blob. With keys, the codec opens it (and, as for any payload, refuses a plain one unless
 * `DURABLE_AGENT_ENCRYPTION_ACCEPT_PLAINTEXT` is set); without, an encrypted blob is a `PayloadDecryptionError` that
 * names its key.
 */
export async function openBlob(bytes: Uint8Array, keys: EncryptionKeys | undefined): Promise<Payload> {
  let payload: Payload;
  try {
    payload = ProtoPayload.decode(bytes);
  } catch {
    throw new PayloadDecryptionError('a stored blob is not a payload: it was altered or cut.');
  }
  if (keys) {
    const [opened] = await new EncryptionCodec(keys).decode([payload]);
    return opened as Payload;
  }
  if (metadataOf(payload, 'encoding') === ENCRYPTED_ENCODING) {
    throw new PayloadDecryptionError(
      `a stored blob is encrypted with the key "${metadataOf(payload, KEY_ID_METADATA) ?? ''}", and this process has no keys: set DURABLE_AGENT_ENCRYPTION_KEYS (or _KEY_FILE) as on the worker that stored it (docs/security.md).`,
    );
  }
  return payload;
}
