import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { classifyModelError, redact, retryAfterMs } from '../../src/activities/planner/classify-model-error';
import { ERROR_TYPES } from '../../src/contracts/error-types';

function apiError(status: number, headers: Record<string, string> = {}): APIError {
  return APIError.generate(status, { error: { message: `status ${status}` } }, undefined, new Headers(headers));
}

function classify(error: unknown) {
  return classifyModelError(error, { maxRetryAfterMs: 10_000, apiKey: 'sk-secret-123' }) as ApplicationFailure;
}

describe('classifyModelError', () => {
  it.each([
    [401, ERROR_TYPES.modelAuthentication, true],
    [403, ERROR_TYPES.modelPermissionDenied, true],
    [404, ERROR_TYPES.modelNotFound, true],
    [400, ERROR_TYPES.modelBadRequest, true],
    [422, ERROR_TYPES.modelBadRequest, true],
    [408, ERROR_TYPES.modelTimeout, false],
    [409, ERROR_TYPES.modelRateLimited, false],
    [429, ERROR_TYPES.modelRateLimited, false],
    [500, ERROR_TYPES.modelServerError, false],
    [503, ERROR_TYPES.modelServerError, false],
  ])('maps HTTP %i to %s (nonRetryable: %s)', (status, type, nonRetryable) => {
    const failure = classify(apiError(status));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
  });

  it('honours Retry-After on retryable errors, capped', () => {
    expect(classify(apiError(429, { 'retry-after-ms': '250' })).nextRetryDelay).toBe(250);
    expect(classify(apiError(503, { 'retry-after': '2' })).nextRetryDelay).toBe(2_000);
    expect(classify(apiError(429, { 'retry-after': '3600' })).nextRetryDelay).toBe(10_000);
    expect(classify(apiError(401, { 'retry-after': '2' })).nextRetryDelay).toBeUndefined();
  });

  it('makes network errors retryable and leaves cancellation alone', () => {
    const connection = classify(new APIConnectionError({ cause: new Error('ECONNREFUSED') }));
    expect(connection.type).toBe(ERROR_TYPES.modelConnection);
    expect(connection.nonRetryable).toBe(false);
    const abort = new APIUserAbortError();
    expect(classifyModelError(abort, { maxRetryAfterMs: 1 })).toBe(abort);
  });

  it('never repeats the API key in a message', () => {
    const error = APIError.generate(401, { error: { message: 'Incorrect API key provided: sk-secret-123' } }, undefined, new Headers());
    expect(classify(error).message).not.toContain('sk-secret-123');
    expect(redact('key sk-secret-123 here', 'sk-secret-123')).toBe('key [redacted] here');
  });

  it('keeps the cause, without the API key', () => {
    const error = APIError.generate(401, { error: { message: 'Incorrect API key provided: sk-secret-123' } }, undefined, new Headers());
    const failure = classifyModelError(error, { maxRetryAfterMs: 1, apiKey: 'sk-secret-123' }) as ApplicationFailure;
    expect(failure.cause).toBeInstanceOf(Error);
    expect(failure.cause?.message).toContain('[redacted]');
    expect(failure.cause?.message).not.toContain('sk-secret-123');
    expect(failure.cause?.stack ?? '').not.toContain('sk-secret-123');
  });

  it('honours x-should-retry over the status code', () => {
    expect(classify(apiError(500, { 'x-should-retry': 'false' })).nonRetryable).toBe(true);
    expect(classify(apiError(400, { 'x-should-retry': 'true' })).nonRetryable).toBe(false);
    expect(classify(apiError(500)).nonRetryable).toBe(false);
  });
});

describe('retryAfterMs', () => {
  it('reads milliseconds, seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1500' }))).toBe(1_500);
    expect(retryAfterMs(new Headers({ 'retry-after': '1.5' }))).toBe(1_500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });
});
