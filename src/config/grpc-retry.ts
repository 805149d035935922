import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type GrpcRetryOptions } from '@temporalio/client';

/** Retries of a request refused because the run already has the most Updates in flight it may have. */
export const FULL_RUN_RETRY = { attempts: 3, delayMs: 400 } as const;

/** The server's words for a run whose Update slots are all taken (RESOURCE_EXHAUSTED). */
const FULL_RUN = /in-flight updates/i;
/** gRPC's code (GRPC_STATUS.resourceExhausted of connect.ts, which imports this file). */
const RESOURCE_EXHAUSTED = 8;

/**
 * The SDK's retry policy for client calls, except for a run whose Update slots are full: the SDK would back off for
 * about 40 s, while the Updates that hold the slots wait for a worker or for the run, often far longer. Such a call is
 * tried {@link FULL_RUN_RETRY} times (about a second, enough for slots held by short Updates to free up), then fails
 * with the server's answer, which the client reports as "too many requests in flight; try again in a moment".
 */
export function clientRetryOptions(): GrpcRetryOptions {
  const sdk = defaultGrpcRetryOptions();
  const fullRun = (status: { code: number; details: string }) => status.code === RESOURCE_EXHAUSTED && FULL_RUN.test(status.details);
  return {
    delayFunction: (attempt, status) => (fullRun(status) ? FULL_RUN_RETRY.delayMs : sdk.delayFunction(attempt, status)),
    retryableDecider: (attempt, status) => (fullRun(status) ? attempt < FULL_RUN_RETRY.attempts : sdk.retryableDecider(attempt, status)),
  };
}

/** The gRPC interceptor that applies {@link clientRetryOptions} (a client connection's `interceptors`). */
export function clientRetryInterceptor(): ReturnType<typeof makeGrpcRetryInterceptor> {
  return makeGrpcRetryInterceptor(clientRetryOptions());
}
