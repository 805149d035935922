import { clientTracingInterceptors } from '../observability/client-tracing';
import { connect as connectTcp } from 'node:net';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { dataConverterFor } from '../codec/data-converter';
import { clientRetryInterceptor } from './grpc-retry';
import { ConfigurationError, type TemporalConfig } from './temporal-config';

/** How long a first connection may take before we tell the user the server is unreachable. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Raised when the Temporal frontend cannot be reached; the message names the address and the cause. */
export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
  constructor(address: string, cause: unknown) {
    super(
      `cannot reach Temporal at ${address}: ${describeCause(cause)}. ` +
        'Start a server with `durable-agent server` (`npx durable-agent server` in a project that installed the package), or set TEMPORAL_ADDRESS to a running one.',
      { cause },
    );
  }
}

/**
 * Raised when the configured namespace does not exist on the server. A configuration problem (exit 3): the
 * fix is `TEMPORAL_NAMESPACE` or creating the namespace, and the message says how to do either.
 */
export class NamespaceNotFoundError extends ConfigurationError {
  override name = 'NamespaceNotFoundError';
  constructor(readonly namespace: string, address: string) {
    super(
      `namespace "${namespace}" does not exist on the Temporal server at ${address} (set by TEMPORAL_NAMESPACE or your Temporal profile). ` +
        `List the namespaces with \`temporal operator namespace list --address ${address}\`, ` +
        `create this one with \`temporal operator namespace create --namespace ${namespace} --address ${address}\`, ` +
        'or unset TEMPORAL_NAMESPACE to use "default".',
    );
  }
}

/**
 * Raised when the server went away in the middle of a command (killed, restarted elsewhere, network cut).
 * The message says what this means for the run; the CLI maps it to exit 4 like an unreachable server.
 */
export class TemporalConnectionLostError extends Error {
  override name = 'TemporalConnectionLostError';
  constructor(address: string, what: string, cause?: unknown) {
    super(`lost the connection to Temporal at ${address}${cause === undefined ? '' : ` (${describeCause(cause)})`}. ${what}`, { cause });
  }
}

/** gRPC status codes the client tells apart (the numbers are gRPC's, stable across implementations). */
export const GRPC_STATUS = {
  cancelled: 1,
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  permissionDenied: 7,
  resourceExhausted: 8,
  failedPrecondition: 9,
  unavailable: 14,
  unauthenticated: 16,
} as const;

function* causeChain(error: unknown): Generator<Error> {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth += 1) yield current;
}

/** The gRPC status code of `error` or of the first error in its `cause` chain that has one. */
export function grpcStatusOf(error: unknown): number | undefined {
  return grpcErrorOf(error)?.code;
}

/** The status code and the server's own words (`details`) of the first gRPC error in `error`'s `cause` chain. */
export function grpcErrorOf(error: unknown): { code: number; details: string } | undefined {
  for (const current of causeChain(error)) if (isGrpcServiceError(current)) return { code: Number(current.code), details: current.details };
  return undefined;
}

/**
 * True when `error` (or any error in its `cause` chain) says the server cannot be reached: gRPC UNAVAILABLE
 * from the client, or the transport errors of the worker's native connection.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (grpcStatusOf(error) === GRPC_STATUS.unavailable) return true;
  for (const current of causeChain(error)) {
    if (current.name === 'TransportError') return true;
    // The native connection's errors carry tonic's status text rather than a gRPC code.
    if (/code: Unavailable|connection refused|tcp connect error|transport error/i.test(current.message)) return true;
  }
  return false;
}

/** True when a gRPC call ended because its deadline passed. */
export function isDeadlineExceeded(error: unknown): boolean {
  return grpcStatusOf(error) === GRPC_STATUS.deadlineExceeded;
}

function describeCause(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.replace(/\s+/g, ' ').trim() || 'unknown error';
}

export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
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

/**
 * Connects a client and checks that the server answers and the namespace exists, failing within
 * {@link CONNECT_TIMEOUT_MS}: `TemporalUnreachableError` or `NamespaceNotFoundError`.
 */
export async function connectClient(config: TemporalConfig): Promise<Client> {
  try {
    await probeTcp(config.address);
  } catch (error) {
    throw new TemporalUnreachableError(config.address, error);
  }
  // `lazy` keeps a reference from the start, so a connection that never becomes ready (an address that accepts
  // TCP and then says nothing) is closed at once instead of keeping the process alive for its own timeouts.
  const connection = Connection.lazy({ ...config.connectionOptions, connectTimeout: CONNECT_TIMEOUT_MS, interceptors: [clientRetryInterceptor()] });
  try {
    await withDeadline(connection.ensureConnected(), CONNECT_TIMEOUT_MS + 1_000, 'connecting');
    await checkNamespace(connection, config);
  } catch (error) {
    await connection.close().catch(() => undefined);
    if (error instanceof NamespaceNotFoundError) throw error;
    // TCP got through (probed above), so a timeout here means something listens but does not speak Temporal's gRPC.
    const silent = isDeadlineExceeded(error) || /before the deadline|timed out/i.test(String(error));
    throw new TemporalUnreachableError(
      config.address,
      silent ? new Error(`it accepts TCP connections but gave no gRPC answer within ${CONNECT_TIMEOUT_MS / 1_000} s (not a Temporal frontend, or a firewall or proxy drops the traffic)`, { cause: error }) : error,
    );
  }
  const dataConverter = dataConverterFor(config.encryption, config.externalStorage);
  // Traces (docs/observability.md): a client started with the OTEL_* variables opens each run's trace and carries it into the run.
  const interceptors = clientTracingInterceptors();
  return new Client({ connection, namespace: config.namespace, ...(dataConverter ? { dataConverter } : {}), ...(interceptors ? { interceptors } : {}) });
}

/**
 * Describes the namespace, so a misspelt `TEMPORAL_NAMESPACE` is one clear message before anything starts
 * (the worker would otherwise fail later, deep in its own retries). Only "not found" and unavailability count:
 * a key that may not describe namespaces (some cloud roles) still gets through to the calls it may make.
 */
async function checkNamespace(connection: Connection, config: TemporalConfig): Promise<void> {
  try {
    await connection.withDeadline(Date.now() + CONNECT_TIMEOUT_MS, () =>
      connection.workflowService.describeNamespace({ namespace: config.namespace }),
    );
  } catch (error) {
    if (grpcStatusOf(error) === GRPC_STATUS.notFound) throw new NamespaceNotFoundError(config.namespace, config.address);
    if (isConnectionFailure(error) || isDeadlineExceeded(error)) throw error;
  }
}
