import type { EncryptionKeys } from '../codec/encryption-keys';
import { loadOutputStoreConfig, type OutputStoreConfig } from '../config/output-config';
import type { OutputDriver } from './output-driver';
import { FsOutputDriver } from './fs-output-driver';
import { OutputStore } from './output-store';
import { S3OutputDriver } from './s3-output-driver';

/** The driver a configuration names, or undefined for `none`. */
export function outputDriverFor(config: OutputStoreConfig): OutputDriver | undefined {
  switch (config.kind) {
    case 'none':
      return undefined;
    case 'fs':
      return new FsOutputDriver(config.folder);
    case 's3':
      return new S3OutputDriver({ bucket: config.bucket, prefix: config.prefix, region: config.region, forcePathStyle: config.forcePathStyle, ...(config.endpoint ? { endpoint: config.endpoint } : {}) });
  }
}

/** The output store a configuration names, its blobs encrypted with `keys` when given; undefined for `none`. */
export function createOutputStore(config: OutputStoreConfig, keys: EncryptionKeys | undefined): OutputStore | undefined {
  const driver = outputDriverFor(config);
  return driver ? new OutputStore(driver, { thresholdBytes: config.thresholdBytes, ...(keys ? { keys } : {}) }) : undefined;
}

/** The output store of the environment (`DURABLE_AGENT_OUTPUT_*`), its blobs encrypted with `keys` (`config.encryption`). */
export function loadOutputStore(keys: EncryptionKeys | undefined, env: NodeJS.ProcessEnv = process.env): OutputStore | undefined {
  return createOutputStore(loadOutputStoreConfig(env), keys);
}
