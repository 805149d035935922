import type { DataConverter, ExternalStorage } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { EncryptionKeys } from './encryption-keys';

/** The path of the failure converter an encrypting process loads (clients and workers alike). */
export const ENCODED_FAILURE_CONVERTER_PATH = require.resolve('./encoded-failure-converter');

/**
 * The data converter of every part that reads or writes payloads (client, CLI, worker, tool worker, MCP server):
 * with keys, payloads and failure messages are encrypted; with external storage, payloads above its threshold are kept
 * outside history; without either, Temporal's default.
 */
export function dataConverterFor(keys: EncryptionKeys | undefined, externalStorage?: ExternalStorage): DataConverter | undefined {
  // External storage (docs/outputs.md, "Other payloads") runs after the codec: what it stores is already encrypted.
  const stored = externalStorage ? { externalStorage } : {};
  if (!keys) return externalStorage ? stored : undefined;
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH, ...stored };
}
