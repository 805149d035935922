import { Metadata, status as grpcStatus, type StatusObject } from '@grpc/grpc-js';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { describeFailure } from '../../src/cli/main';
import { PayloadDecryptionError } from '../../src/codec/encryption-codec';
import { EXIT_CODES } from '../../src/cli/exit-codes';
import { classifyServerError, NoWorkerAnsweredError, NoWorkerTookRequestError, ServerBusyError, ServerPreconditionError, ServerRequestError, ServerTimeoutError } from '../../src/client';
import { clientRetryOptions, FULL_RUN_RETRY } from '../../src/config/grpc-retry';

/** A gRPC error as @grpc/grpc-js raises it (`callErrorFromStatus`): code, details, metadata. */
function grpcError(code: grpcStatus, details: string): Error & StatusObject {
  return Object.assign(new Error(`${code} ${grpcStatus[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

/** What WorkflowClient throws for an Update refused by the server (`rethrowGrpcError`). */
const updateFailed = (code: grpcStatus, details: string) => new ServiceError('Workflow Update failed', { cause: grpcError(code, details) });

const IN_FLIGHT = 'limit on number of concurrent in-flight updates has been reached (10)';
const TOTAL = 'limit on number of total updates has been reached (2000)';

describe('classifyServerError', () => {
  it.each([
    ['too many Updates in flight', updateFailed(grpcStatus.RESOURCE_EXHAUSTED, IN_FLIGHT), ServerBusyError, EXIT_CODES.busy, /run "r-1" has too many requests in flight .*Nothing was recorded\. Try again in a moment/],
    ['a rate limit', updateFailed(grpcStatus.RESOURCE_EXHAUSTED, 'namespace rate limit exceeded'), ServerBusyError, EXIT_CODES.busy, /over a rate limit .*Try again in a moment/],
    ['the total Update limit', updateFailed(grpcStatus.FAILED_PRECONDITION, TOTAL), ServerPreconditionError, EXIT_CODES.notNow, /all the Updates one Temporal run may have .*continues as new by itself .*Try again in a moment/],
    ['another precondition', updateFailed(grpcStatus.FAILED_PRECONDITION, 'something else'), ServerPreconditionError, EXIT_CODES.notNow, /cannot take the request in its present state/],
    ['no poller', new ServiceError('Failed to query Workflow', { cause: grpcError(grpcStatus.FAILED_PRECONDITION, 'no poller seen for task queue recently') }), NoWorkerTookRequestError, EXIT_CODES.noWorker, /no worker took the request to run "r-1" \(FAILED_PRECONDITION: no poller seen .*Start one on that task queue/],
    ['a query no worker took in time', new ServiceError('Failed to query Workflow', { cause: grpcError(grpcStatus.DEADLINE_EXCEEDED, 'query timed out before a worker could process it') }), NoWorkerTookRequestError, EXIT_CODES.noWorker, /no worker took the request to run "r-1"/],
    ['a deadline', new WorkflowUpdateRPCTimeoutOrCancelledError('deadline', { cause: grpcError(grpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded') }), ServerTimeoutError, EXIT_CODES.serverTimeout, /did not answer in time \(DEADLINE_EXCEEDED: Deadline exceeded\)\. The request may or may not have been applied/],
    ['a server-side cancel of a call', new ServiceError('Failed to describe workflow', { cause: grpcError(grpcStatus.CANCELLED, 'context canceled') }), ServerTimeoutError, EXIT_CODES.serverTimeout, /did not answer in time/],
    ['an Update given up on', new WorkflowUpdateRPCTimeoutOrCancelledError('Workflow update call timeout or cancelled'), ServerTimeoutError, EXIT_CODES.serverTimeout, /the Update call timed out/],
    ['an invalid argument', updateFailed(grpcStatus.INVALID_ARGUMENT, 'WorkflowId length exceeds limit.'), ServerRequestError, EXIT_CODES.serverRefused, /refused the request \(INVALID_ARGUMENT: WorkflowId length exceeds limit\.\)\. Nothing was recorded/],
    ['a permission', updateFailed(grpcStatus.PERMISSION_DENIED, 'Request unauthorized.'), ServerRequestError, EXIT_CODES.serverRefused, /PERMISSION_DENIED.*Check the credentials/],
    ['an internal server error', updateFailed(grpcStatus.INTERNAL, 'boom'), ServerRequestError, EXIT_CODES.serverRefused, /refused the request \(INTERNAL: boom\)/],
  ])('%s: its class, message and exit code (never 70)', (_name, error, kind, code, message) => {
    const classified = classifyServerError(error, 'r-1');
    expect(classified).toBeInstanceOf(kind);
    expect(classified?.message).toMatch(message);
    expect(classified?.cause).toBe(error);
    // The CLI's edge classifies what a command let through, without the run id, into the same code.
    const failure = describeFailure(error);
    expect(failure.code).toBe(code);
    expect(failure.message).not.toMatch(/a bug|^\s+at /m);
    expect(describeFailure(classified).code).toBe(code);
  });

  it('leaves alone what is not a server refusal: a lost server (exit 4) and plain errors (a bug, exit 70)', () => {
    const lost = new ServiceError('Failed to describe workflow', { cause: grpcError(grpcStatus.UNAVAILABLE, 'No connection established') });
    expect(classifyServerError(lost)).toBeUndefined();
    expect(describeFailure(lost).code).toBe(EXIT_CODES.temporalUnavailable);
    expect(classifyServerError(new TypeError('x is undefined'))).toBeUndefined();
    expect(describeFailure(new TypeError('x is undefined')).code).toBe(EXIT_CODES.internal);
  });
});

describe('describeFailure of what the client library lets through', () => {
  it('an unknown workflow id is exit 5 and a live-state query no worker answered is exit 6, not a bug', () => {
    expect(describeFailure(new WorkflowNotFoundError('workflow not found', 'r-1', undefined))).toEqual({ code: EXIT_CODES.notFound, message: expect.stringContaining('no agent run with id "r-1"') });
    const unanswered = new NoWorkerAnsweredError('r-1', 'timeout', new Error('deadline'));
    expect(describeFailure(unanswered)).toEqual({ code: EXIT_CODES.noWorker, message: expect.stringContaining('Start a worker') });
  });

  it('a payload this process cannot decrypt is a configuration error (exit 3) naming the key, however deep it is wrapped', () => {
    const missing = new PayloadDecryptionError('a payload is encrypted with the key "k1", which this process does not have');
    const wrapped = new ServiceError('Failed to query workflow', { cause: new Error('decoding failed', { cause: missing }) });
    expect(describeFailure(wrapped)).toEqual({ code: EXIT_CODES.configuration, message: expect.stringContaining('the key "k1"') });
  });
});

describe('clientRetryOptions', () => {
  const options = clientRetryOptions();
  const status = (code: grpcStatus, details: string): StatusObject => ({ code, details, metadata: new Metadata() });

  it('gives up on a run whose Update slots are full after a few short tries, not after the SDK\'s ~40 s', () => {
    const full = status(grpcStatus.RESOURCE_EXHAUSTED, IN_FLIGHT);
    const tries = [1, 2, 3, 4].filter((attempt) => options.retryableDecider(attempt, full));
    expect(tries).toHaveLength(FULL_RUN_RETRY.attempts - 1);
    expect(options.delayFunction(1, full)).toBe(FULL_RUN_RETRY.delayMs);
  });

  it("keeps the SDK's retries for everything else", () => {
    expect(options.retryableDecider(9, status(grpcStatus.RESOURCE_EXHAUSTED, 'namespace rate limit exceeded'))).toBe(true);
    expect(options.retryableDecider(9, status(grpcStatus.UNAVAILABLE, 'down'))).toBe(true);
    expect(options.retryableDecider(1, status(grpcStatus.FAILED_PRECONDITION, TOTAL))).toBe(false);
  });
});
