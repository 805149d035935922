import type { EncryptionKeys } from '../codec/encryption-keys';
import type { OutputKind, OutputRef } from '../contracts/tool-spec';
import { outputText } from '../core/summarize';
import type { OutputDriver, StoredBlob } from './output-driver';
import { openBlob, sealBlob } from './output-blob';
import { namespacePrefix, outputHandle, outputKey, runPrefix, workflowIdOfKey, type OutputLocation } from './output-keys';

/** Outputs larger than this, in bytes of JSON, are stored outside history (`DURABLE_AGENT_OUTPUT_THRESHOLD_BYTES`). */
export const DEFAULT_OUTPUT_THRESHOLD_BYTES = 131_072;
/** Bytes of a stored output's head and tail kept in history, for the model to see at once. */
export const DEFAULT_OUTPUT_PREVIEW_BYTES = 4_096;
/** Bytes of opened outputs a worker keeps in memory, so paging through one output opens its blob once. */
export const DEFAULT_OUTPUT_CACHE_BYTES = 64 * 1024 * 1024;

/** The blob's metadata: what the output was. */
const KIND_METADATA = 'output-kind';
const OUTPUT_ENCODING = 'text/plain;charset=utf-8';
const text = new TextEncoder();
const words = new TextDecoder();

/** Options of {@link OutputStore}. */
export interface OutputStoreOptions {
  /** Outputs larger than this (bytes of JSON) are stored. @default DEFAULT_OUTPUT_THRESHOLD_BYTES */
  thresholdBytes?: number;
  /** Bytes of head and tail kept in history. @default DEFAULT_OUTPUT_PREVIEW_BYTES */
  previewBytes?: number;
  /** Blobs are encrypted with the active key (and opened with any): the keys of `config.encryption`. @default none */
  keys?: EncryptionKeys;
  /** Bytes of opened outputs kept in memory. @default DEFAULT_OUTPUT_CACHE_BYTES */
  cacheBytes?: number;
}

/** A stored output, opened. */
export interface StoredOutput {
  /** The text, as UTF-8: offsets of `read_output` are offsets into it. */
  bytes: Buffer;
  kind: OutputKind;
}

/** The blobs of one run in the store. */
export interface RunBlobs {
  workflowId: string;
  blobs: number;
  bytes: number;
  /** When its newest blob was written. */
  newest: Date;
}

/** The JSON kind of a value. */
export function kindOf(output: unknown): OutputKind {
  if (output === null || output === undefined) return 'null';
  if (Array.isArray(output)) return 'array';
  const kind = typeof output;
  return kind === 'string' || kind === 'number' || kind === 'boolean' ? kind : 'object';
}

/** The text an output is stored as: a string as it is, anything else as JSON indented by 2 (so it has lines to search). */
export function storedText(output: unknown): string {
  if (typeof output === 'string') return output;
  try {
    return JSON.stringify(output ?? null, null, 2) ?? outputText(output);
  } catch {
    return outputText(output);
  }
}

/**
 * Tool outputs too large for history, kept outside it (docs/outputs.md): the tool activity saves one whole and puts a
 * preview and its handle in history; `read_output` reads any part of it back; `durable-agent outputs prune` deletes the
 * blobs of runs that ended long ago. Blobs are encrypted with the process's keys when it has some.
 */
export class OutputStore {
  readonly thresholdBytes: number;
  readonly previewBytes: number;
  private readonly keys: EncryptionKeys | undefined;
  private readonly cacheBytes: number;
  private readonly cache = new Map<string, StoredOutput>();
  private cachedBytes = 0;

  constructor(
    readonly driver: OutputDriver,
    options: OutputStoreOptions = {},
  ) {
    this.thresholdBytes = options.thresholdBytes ?? DEFAULT_OUTPUT_THRESHOLD_BYTES;
    this.previewBytes = options.previewBytes ?? DEFAULT_OUTPUT_PREVIEW_BYTES;
    this.keys = options.keys;
    this.cacheBytes = options.cacheBytes ?? DEFAULT_OUTPUT_CACHE_BYTES;
  }

  /** True when blobs are encrypted. */
  get encrypted(): boolean {
    return this.keys !== undefined;
  }

  /** Stores an output's text whole; returns its reference and the text (the preview is cut from it). */
  async save(location: OutputLocation, output: unknown): Promise<{ ref: OutputRef; text: string }> {
    const stored = storedText(output);
    const kind = kindOf(output);
    const data = text.encode(stored);
    const blob = await sealBlob({ metadata: { encoding: text.encode(OUTPUT_ENCODING), [KIND_METADATA]: text.encode(kind) }, data }, this.keys);
    await this.driver.put(outputKey(location), blob);
    return { ref: { handle: outputHandle(location), bytes: data.byteLength, kind }, text: stored };
  }

  /** The output stored for a call, or undefined when it is gone (pruned, or stored where this store does not look). */
  async read(location: OutputLocation): Promise<StoredOutput | undefined> {
    const key = outputKey(location);
    const cached = this.cache.get(key);
    if (cached) {
      // Most recently used last.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const blob = await this.driver.get(key);
    if (!blob) return undefined;
    const payload = await openBlob(blob, this.keys);
    const kindText = payload.metadata?.[KIND_METADATA];
    const opened: StoredOutput = { bytes: Buffer.from(payload.data ?? new Uint8Array()), kind: (kindText ? words.decode(kindText) : 'string') as OutputKind };
    this.remember(key, opened);
    return opened;
  }

  private remember(key: string, opened: StoredOutput): void {
    if (opened.bytes.length > this.cacheBytes) return;
    this.cache.set(key, opened);
    this.cachedBytes += opened.bytes.length;
    for (const [oldest, entry] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes) break;
      this.cache.delete(oldest);
      this.cachedBytes -= entry.bytes.length;
    }
  }

  /** Deletes every blob of a run (tool outputs and offloaded payloads); returns how many. */
  async deleteRun(namespace: string, workflowId: string): Promise<number> {
    const prefix = runPrefix(namespace, workflowId);
    for (const [key, entry] of this.cache) {
      if (!key.startsWith(prefix)) continue;
      this.cache.delete(key);
      this.cachedBytes -= entry.bytes.length;
    }
    return this.driver.delete(prefix);
  }

  /** The runs of a namespace that have blobs here, with their count, size and newest write. */
  async runs(namespace: string): Promise<RunBlobs[]> {
    const byRun = new Map<string, RunBlobs>();
    const blobs: StoredBlob[] = await this.driver.list(namespacePrefix(namespace));
    for (const blob of blobs) {
      const workflowId = workflowIdOfKey(namespace, blob.key);
      if (workflowId === undefined) continue;
      const entry = byRun.get(workflowId) ?? { workflowId, blobs: 0, bytes: 0, newest: blob.modifiedAt };
      entry.blobs += 1;
      entry.bytes += blob.bytes;
      if (blob.modifiedAt > entry.newest) entry.newest = blob.modifiedAt;
      byRun.set(workflowId, entry);
    }
    return [...byRun.values()];
  }
}
