import { connect as connectTcp } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from './temporal-config';

/** How long a first connection may take before we tell the user the server is unreachable. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Raised when the Temporal frontend cannot be reached; the message names the address and the cause. */
export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
  constructor(address: string, cause: unknown) {
    super(
      `cannot reach Temporal at ${address}: ${describeCause(cause)}. ` +
        'Start a server with `./bin/durable-agent server`, or set TEMPORAL_ADDRESS to a running one.',
      { cause },
    );
  }
}

function describeCause(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.replace(/\s+/g, ' ').trim() || 'unknown error';
}

async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens and closes a plain TCP connection, so a closed port is reported at once with its cause
 * (gRPC alone only says "failed to connect before the deadline").
 */
export async function probeTcp(address: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(separator + 1));
  await new Promise<void>((resolve, reject) => {
    const socket = connectTcp({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TCP answer within ${timeoutMs} ms`)));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(error.code === 'ECONNREFUSED' ? 'connection refused (nothing listens there)' : error.message));
    });
  });
}

/** Connects a client and checks that the namespace answers, failing within {@link CONNECT_TIMEOUT_MS}. */
export async function connectClient(config: TemporalConfig): Promise<Client> {
  let connection: Connection | undefined;
  try {
    await probeTcp(config.address);
    connection = await Connection.connect({ ...config.connectionOptions, connectTimeout: CONNECT_TIMEOUT_MS });
    await withDeadline(
      connection.workflowService.getSystemInfo({}),
      CONNECT_TIMEOUT_MS,
      'the first request',
    );
  } catch (error) {
    await connection?.close().catch(() => undefined);
    throw new TemporalUnreachableError(config.address, error);
  }
  return new Client({ connection, namespace: config.namespace });
}

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
