import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { GRPC_STATUS, grpcErrorOf } from '../config/connect';

/**
 * A request the Temporal server refused or did not answer, told apart by its gRPC status; the message says what went
 * wrong and what to do. The subclasses are the statuses a client meets in normal use; this class stands for the rest.
 */
export class ServerRequestError extends Error {
  override name = 'ServerRequestError';
  constructor(
    message: string,
    /** The gRPC status code (8 is RESOURCE_EXHAUSTED, …); undefined for an Update call the client gave up on. */
    readonly grpcStatus: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * RESOURCE_EXHAUSTED: the run has too many requests in flight (Temporal takes at most 10 Updates at a time per run), or
 * the server is over a rate limit. Nothing was recorded; trying again in a moment is safe.
 */
export class ServerBusyError extends ServerRequestError {
  override name = 'ServerBusyError';
}

/**
 * FAILED_PRECONDITION: the run cannot take the request in its present state, e.g. it has had all the Updates one run
 * may have (2,000; it continues as new by itself when it next waits). Nothing was recorded.
 */
export class ServerPreconditionError extends ServerRequestError {
  override name = 'ServerPreconditionError';
}

/**
 * A request a worker answers (a query) that none took: none polls the run's task queue (FAILED_PRECONDITION "no
 * poller"), or none took it before the server's deadline (DEADLINE_EXCEEDED). Nothing was changed.
 */
export class NoWorkerTookRequestError extends ServerRequestError {
  override name = 'NoWorkerTookRequestError';
}

/** DEADLINE_EXCEEDED, or an Update call given up on: the server did not answer in time; the request may or may not have been applied. */
export class ServerTimeoutError extends ServerRequestError {
  override name = 'ServerTimeoutError';
}

/** gRPC's names of its status codes, for messages. */
const STATUS_NAMES: readonly string[] = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

/** What to do about the statuses without a class of their own. */
const ADVICE: Readonly<Record<number, string>> = {
  [GRPC_STATUS.invalidArgument]: 'Nothing was recorded: change what the server rejects (an id, a message, arguments) and try again.',
  [GRPC_STATUS.permissionDenied]: 'Check the credentials of the connection (TEMPORAL_API_KEY, TLS certificates, your Temporal profile) and its permissions on the namespace.',
  [GRPC_STATUS.unauthenticated]: 'Check the credentials of the connection (TEMPORAL_API_KEY, TLS certificates, your Temporal profile).',
};

/**
 * The classified error for a server's refusal in `error`'s cause chain, or undefined when there is none. UNAVAILABLE
 * (the server cannot be reached) stays as it is: callers report it as a lost connection. `workflowId` names the run in
 * the message when it is known.
 */
export function classifyServerError(error: unknown, workflowId?: string): ServerRequestError | undefined {
  if (error instanceof ServerRequestError) return error;
  const grpc = grpcErrorOf(error);
  if (!grpc && !(error instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) return undefined;
  if (grpc?.code === GRPC_STATUS.unavailable) return undefined;
  const run = workflowId ? `run "${workflowId}"` : 'the run';
  const status = `\`durable-agent status ${workflowId ?? '<id>'}\``;
  const said = grpc ? ` (${STATUS_NAMES[grpc.code] ?? `gRPC status ${grpc.code}`}: ${grpc.details.replace(/\s+/g, ' ').trim()})` : '';
  const options = { cause: error };
  if (grpc && /no poller|before a worker could process/i.test(grpc.details)) {
    return new NoWorkerTookRequestError(
      `no worker took the request to ${run}${said}: a worker answers it, and none polls the run's task queue (or all are stuck). ` +
        `Start one on that task queue (\`durable-agent worker\`; ${status} shows the queue), then try again.`,
      grpc.code,
      options,
    );
  }
  if (!grpc || grpc.code === GRPC_STATUS.deadlineExceeded || grpc.code === GRPC_STATUS.cancelled) {
    return new ServerTimeoutError(
      `the Temporal server did not answer in time${said || ' (the Update call timed out)'}. The request may or may not have been applied: check with ${status}, then try again if it was not.`,
      grpc?.code,
      options,
    );
  }
  switch (grpc.code) {
    case GRPC_STATUS.resourceExhausted:
      return /in-flight updates/i.test(grpc.details)
        ? new ServerBusyError(
            `${run} has too many requests in flight${said}: Temporal takes at most 10 Updates at a time per run, and they pile up while no worker answers them. ` +
              `Nothing was recorded. Try again in a moment; if it goes on, check that a worker serves the run (${status}).`,
            grpc.code,
            options,
          )
        : new ServerBusyError(`the Temporal server is over a rate limit and refused the request${said}. Nothing was recorded. Try again in a moment.`, grpc.code, options);
    case GRPC_STATUS.failedPrecondition:
      return /total updates/i.test(grpc.details)
        ? new ServerPreconditionError(
            `${run} has had all the Updates one Temporal run may have${said}. It continues as new by itself as soon as it waits, which starts the count again. Nothing was recorded. Try again in a moment.`,
            grpc.code,
            options,
          )
        : new ServerPreconditionError(`${run} cannot take the request in its present state${said}. Nothing was recorded. See where it stands with ${status}, and try again in a moment.`, grpc.code, options);
    default:
      return new ServerRequestError(`the Temporal server refused the request${said}. ${ADVICE[grpc.code] ?? "Try again; if it goes on, the server's log says more."}`, grpc.code, options);
  }
}
