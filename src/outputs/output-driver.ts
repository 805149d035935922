/**
 * Where stored outputs live: a key-value store of blobs under `/`-separated keys (a folder, an S3 bucket). Keys are
 * made by src/outputs/output-keys.ts and are safe as file paths and S3 keys. Drivers know nothing of encryption or
 * runs: that is the store's part (src/outputs/output-store.ts).
 */
export interface OutputDriver {
  /** What it is and where, for messages: `folder /srv/outputs`, `s3://bucket/prefix`. */
  readonly description: string;
  /** Writes a blob whole; a reader never sees a half-written one. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The blob, or undefined when there is none under `key`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Deletes every blob whose key starts with `prefix`; returns how many. */
  delete(prefix: string): Promise<number>;
  /** Every blob whose key starts with `prefix`. */
  list(prefix: string): Promise<StoredBlob[]>;
}

/** One blob as `list` reports it. */
export interface StoredBlob {
  key: string;
  bytes: number;
  /** When it was written. */
  modifiedAt: Date;
}
