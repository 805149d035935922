import { ExternalStorage } from '@temporalio/common';
import { loadOutputStoreConfig, type OutputStoreConfig } from '../config/output-config';
import { outputDriverFor } from './create-output-store';
import { PayloadStorageDriver } from './payload-storage-driver';

/**
 * Temporal's external storage over the output store, when `DURABLE_AGENT_EXTERNAL_PAYLOADS` is on: every payload
 * larger than the threshold (a model answer, a run's result or input), not only tool outputs, is kept in the store and
 * history holds a reference. Every process that reads those payloads (workers, the CLI, clients, a replayer) needs the
 * same store: that is why it is off by default (docs/outputs.md, "Other payloads").
 */
export function externalStorageFor(config: OutputStoreConfig): ExternalStorage | undefined {
  if (!config.externalPayloads) return undefined;
  const driver = outputDriverFor(config);
  return driver ? new ExternalStorage({ drivers: [new PayloadStorageDriver(driver)], payloadSizeThreshold: config.thresholdBytes }) : undefined;
}

/** The external storage the environment asks for, if any. */
export function loadExternalStorage(env: NodeJS.ProcessEnv = process.env): ExternalStorage | undefined {
  return externalStorageFor(loadOutputStoreConfig(env));
}
