import type * as S3Sdk from '@aws-sdk/client-s3';
import type { OutputDriver, StoredBlob } from './output-driver';

/** Where an S3 driver writes, and how it reaches the server; credentials come from the SDK's own chain (`AWS_*`, profiles). */
export interface S3OutputOptions {
  bucket: string;
  /** Prefix of every key, `agent-outputs/` for example. @default '' */
  prefix?: string;
  region: string;
  /** An S3-compatible server's URL (`AWS_ENDPOINT_URL_S3`). @default AWS's */
  endpoint?: string;
  /** Address buckets by path (`http://host/bucket/key`), as most S3-compatible servers want. @default true with an endpoint */
  forcePathStyle?: boolean;
}

/** The SDK (loaded on first use) and its client. */
interface S3Connection {
  sdk: typeof S3Sdk;
  s3: S3Sdk.S3Client;
}

/** Most keys one DeleteObjects request takes (S3's own limit). */
const DELETE_BATCH = 1_000;

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
}

/**
 * Blobs as objects of an S3 bucket (or any S3-compatible server), for workers on several machines. The AWS SDK is loaded
 * on first use, so a worker that stores outputs in a folder never pays its load time (~150 ms).
 */
export class S3OutputDriver implements OutputDriver {
  readonly description: string;
  private readonly prefix: string;
  private client?: Promise<S3Connection>;

  constructor(private readonly options: S3OutputOptions) {
    this.prefix = options.prefix ?? '';
    this.description = `s3://${options.bucket}/${this.prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
  }

  private async connection(): Promise<S3Connection> {
    this.client ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      s3: new sdk.S3Client({
        region: this.options.region,
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        forcePathStyle: this.options.forcePathStyle ?? this.options.endpoint !== undefined,
      }),
    }));
    return this.client;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const { s3, sdk } = await this.connection();
    await s3.send(new sdk.PutObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key, Body: bytes, ContentType: 'application/octet-stream' }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { s3, sdk } = await this.connection();
    try {
      const answer = await s3.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }));
      return answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(prefix: string): Promise<number> {
    const { s3, sdk } = await this.connection();
    const blobs = await this.list(prefix);
    for (let start = 0; start < blobs.length; start += DELETE_BATCH) {
      const batch = blobs.slice(start, start + DELETE_BATCH);
      const answer = await s3.send(new sdk.DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: batch.map((blob) => ({ Key: this.prefix + blob.key })), Quiet: true } }));
      const failed = (answer.Errors ?? []).filter((error) => error.Code !== 'NoSuchKey');
      if (failed.length > 0) throw new Error(`S3 did not delete ${failed.length} of ${batch.length} blobs under ${prefix} (${failed[0]?.Code ?? 'error'}: ${failed[0]?.Message ?? ''})`);
    }
    return blobs.length;
  }

  async list(prefix: string): Promise<StoredBlob[]> {
    const { s3, sdk } = await this.connection();
    const found: StoredBlob[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new sdk.ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.prefix + prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        found.push({ key: object.Key.slice(this.prefix.length), bytes: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }
}
