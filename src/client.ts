import type { Client } from '@temporalio/client';
import { connectClient } from './config/connect';
import { loadTemporalConfig, type TemporalConfig } from './config/temporal-config';

export { connectClient, TemporalUnreachableError } from './config/connect';
export { ConfigurationError, loadTemporalConfig, type TemporalConfig } from './config/temporal-config';

/**
 * Opens a client from the same validated configuration the worker uses
 * (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, TLS and API key through `@temporalio/envconfig`).
 * Fails within a few seconds with `cannot reach Temporal at HOST:PORT` when nothing answers.
 */
export async function createClient(config: TemporalConfig = loadTemporalConfig()): Promise<Client> {
  return connectClient(config);
}
