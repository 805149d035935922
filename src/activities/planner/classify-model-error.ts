import { ApplicationFailure } from '@temporalio/activity';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ERROR_TYPES } from '../../contracts/error-types';

/** Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date) from a response's headers. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const milliseconds = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface Classification {
  type: string;
  nonRetryable: boolean;
  hint: string;
}

function classifyStatus(status: number): Classification {
  switch (status) {
    case 401:
      return { type: ERROR_TYPES.modelAuthentication, nonRetryable: true, hint: 'Check OPENAI_API_KEY (and OPENAI_BASE_URL).' };
    case 403:
      return { type: ERROR_TYPES.modelPermissionDenied, nonRetryable: true, hint: 'The API key may not use this model or endpoint.' };
    case 404:
      return { type: ERROR_TYPES.modelNotFound, nonRetryable: true, hint: 'Check the model name and OPENAI_BASE_URL.' };
    case 408:
      return { type: ERROR_TYPES.modelTimeout, nonRetryable: false, hint: 'Retrying.' };
    case 409:
    case 429:
      return { type: ERROR_TYPES.modelRateLimited, nonRetryable: false, hint: 'Retrying after the delay the server asked for.' };
    default:
      if (status >= 500) return { type: ERROR_TYPES.modelServerError, nonRetryable: false, hint: 'Retrying.' };
      return { type: ERROR_TYPES.modelBadRequest, nonRetryable: true, hint: 'The request was rejected; see the message.' };
  }
}

/** A copy of an error safe to keep as a failure's `cause`: its name and message, with the secret removed. */
function redactedCause(error: unknown, secret: string | undefined): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const copy = new Error(redact(error.message, secret));
  copy.name = error.name;
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}

/**
 * The server's own say on retrying (`x-should-retry: true|false`, sent by OpenAI and honoured by its SDKs),
 * over the status code's default.
 */
function shouldRetryHeader(headers: Headers | undefined): boolean | undefined {
  const value = headers?.get('x-should-retry')?.trim().toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** Removes a secret from text that may echo it (some providers repeat the key they rejected). */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}

/**
 * Converts an error from the `openai` client into an `ApplicationFailure` with a type from the catalogue.
 * 408/409/429/5xx and network errors are retryable (`Retry-After` honoured up to `maxRetryAfterMs`);
 * 400/401/403/404 are not. Cancellation is re-thrown untouched.
 */
export function classifyModelError(error: unknown, options: { maxRetryAfterMs: number; apiKey?: string }): unknown {
  if (error instanceof APIUserAbortError) return error;
  // By name: the body parser may throw a SyntaxError of another realm (Node's internals, Jest's sandbox).
  if (typeof error === 'object' && error !== null && (error as Error).name === 'SyntaxError') {
    return ApplicationFailure.create({
      type: ERROR_TYPES.modelMalformedOutput,
      message: `the model API answered with a body that is not JSON (${(error as Error).message})`,
      nonRetryable: true,
      cause: redactedCause(error, options.apiKey),
    });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return ApplicationFailure.create({ type: ERROR_TYPES.modelTimeout, message: 'the model request timed out', nonRetryable: false, cause: redactedCause(error, options.apiKey) });
  }
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return ApplicationFailure.create({
      type: ERROR_TYPES.modelConnection,
      message: redact(`cannot connect to the model API${cause}`, options.apiKey),
      nonRetryable: false,
      cause: redactedCause(error.cause ?? error, options.apiKey),
    });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const headers = error.headers as Headers | undefined;
    const classification = classifyStatus(error.status);
    const shouldRetry = shouldRetryHeader(headers);
    const nonRetryable = shouldRetry === undefined ? classification.nonRetryable : !shouldRetry;
    const delay = retryAfterMs(headers);
    const nextRetryDelay = !nonRetryable && delay !== undefined ? Math.min(delay, options.maxRetryAfterMs) : undefined;
    const hint = shouldRetry === undefined ? classification.hint : shouldRetry ? 'Retrying: the server asked for it (x-should-retry).' : 'Not retried: the server said so (x-should-retry).';
    return ApplicationFailure.create({
      type: classification.type,
      message: redact(`model API answered ${error.status}: ${error.message}. ${hint}`, options.apiKey),
      nonRetryable,
      cause: redactedCause(error, options.apiKey),
      ...(nextRetryDelay !== undefined ? { nextRetryDelay } : {}),
    });
  }
  return error;
}

/**
 * The optional parameters a 400 (or 422) says the server does not take, among `candidates` (the optional parameters
 * the request carried). `named`: read from the error's `param` (OpenAI, Azure: `Unsupported parameter:
 * 'parallel_tool_calls'`, `Unknown parameter: 'stream_options'`) or its message, with spaces or underscores (Gemini:
 * `Unknown name "parallel_tool_calls": Cannot find field.`, `Parallel tool calls are not supported.`). A 400 whose body
 * the SDK cannot read (not `{"error": {…}}`: Gemini has sent `[{"error": {…}}]`) names nothing: every candidate is a
 * suspect (`named: false`), for the caller to try without them once.
 */
export function rejectedParameters(error: unknown, candidates: readonly string[]): { params: string[]; named: boolean } {
  if (!(error instanceof APIError) || (error.status !== 400 && error.status !== 422) || candidates.length === 0) return { params: [], named: false };
  if (typeof error.param === 'string' && candidates.includes(error.param)) return { params: [error.param], named: true };
  const text = `${error.message} ${JSON.stringify(error.error ?? '')}`;
  const mentioned = candidates.filter((name) => new RegExp(name.split('_').join('[ _]'), 'i').test(text));
  if (mentioned.length > 0) return { params: mentioned, named: true };
  return error.error === undefined || error.error === null ? { params: [...candidates], named: false } : { params: [], named: false };
}
