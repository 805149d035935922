import { NativeConnection } from '@temporalio/worker';
import { CONNECT_TIMEOUT_MS, probeTcp, TemporalUnreachableError, withDeadline } from './connect';
import type { TemporalConfig } from './temporal-config';

// Apart from connect.ts so that clients (the CLI's commands, the library's AgentClient) never load the worker SDK.

/** Opens the worker's native connection, failing within {@link CONNECT_TIMEOUT_MS} instead of retrying forever. */
export async function connectWorkerConnection(config: TemporalConfig): Promise<NativeConnection> {
  try {
    await probeTcp(config.address);
  } catch (error) {
    throw new TemporalUnreachableError(config.address, error);
  }
  const pending = NativeConnection.connect(config.connectionOptions);
  try {
    return await withDeadline(pending, CONNECT_TIMEOUT_MS, 'connecting');
  } catch (error) {
    // A connection that completes after the deadline must still be closed.
    pending.then((late) => late.close(), () => undefined).catch(() => undefined);
    throw new TemporalUnreachableError(config.address, error);
  }
}
