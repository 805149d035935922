import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The two operations of Temporal's codec server protocol: the last segment of the request's path. */
export type CodecOperation = 'encode' | 'decode';

/** A token travels in a URL path (the UI's capability endpoint) and a header: characters that need no escaping. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,512}$/;

/** A fresh token: 32 random bytes, URL-safe (43 characters). */
export function newCodecToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Why `token` cannot be a codec token, or undefined when it can. Never repeats the token: it is a secret. */
export function codecTokenProblem(token: string): string | undefined {
  if (TOKEN_PATTERN.test(token)) return undefined;
  return `expected 16–512 letters, digits, '-', '_', '.' or '~' (it becomes part of a URL), got ${token.length} characters${token.length >= 16 ? ' with others among them' : ''}`;
}

/**
 * Compares a presented token with ours in constant time: both are hashed first, so neither their contents nor their
 * lengths change how long the comparison takes.
 */
export function tokensMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header (the `temporal` CLI's `--codec-auth`), if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * What a path asks for. Temporal's protocol reads only the last segment (`…/encode`, `…/decode`); what comes before it
 * is the path token of a capability endpoint (`/<token>/decode`), the Temporal UI's way to authenticate, since it
 * cannot add a header of its own.
 */
export function routeOf(pathname: string): { operation: CodecOperation; pathToken: string | undefined } | undefined {
  const match = /^\/(?:(.+)\/)?(encode|decode)\/?$/.exec(pathname);
  if (!match) return undefined;
  return { operation: match[2] as CodecOperation, pathToken: match[1] };
}

/** An origin as browsers send it (`scheme://host[:port]`), from a URL a user typed; throws a message on anything else. */
export function originOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new Error(`\`${url}\` is not a URL: expected the Temporal UI's address, such as http://localhost:8233`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`\`${url}\` is not an http(s) URL: expected the Temporal UI's address, such as http://localhost:8233`);
  return parsed.origin;
}

/** The request headers the Temporal UI sends (`Authorization*` only with its "pass access token" setting). */
const ALLOWED_HEADERS = 'Authorization, Authorization-Extras, Content-Type, X-Namespace';

/**
 * CORS headers for a request from `origin`: none when it sends no Origin (the `temporal` CLI, curl), undefined when the
 * origin is not allowed (the request is refused). No `Allow-Credentials`: the server reads no cookie.
 */
export function corsHeaders(origin: string | undefined, allowed: ReadonlySet<string>, preflight: { privateNetwork: boolean } | undefined): Record<string, string> | undefined {
  if (origin === undefined) return {};
  if (!allowed.has(origin)) return undefined;
  const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
  if (!preflight) return headers;
  return {
    ...headers,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': '600',
    // Chromium's Private Network Access: a public UI page asks before it calls a codec server on this machine.
    ...(preflight.privateNetwork ? { 'access-control-allow-private-network': 'true' } : {}),
  };
}
