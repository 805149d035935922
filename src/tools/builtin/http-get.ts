import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import { jsonShape } from '../../core/actions';
import { defineTool, ToolError, type Tool } from '../define-tool';
import { checkDestination, DestinationRefused, HostAllowlist, systemResolver, type Resolver } from '../net/address-guard';

export interface HttpGetOptions {
  /** `host:port` pairs reachable despite the address guard (`AGENT_HTTP_ALLOW`). @default [] */
  allow?: readonly string[];
  /** Largest body returned, in bytes (`AGENT_HTTP_MAX_BYTES`). @default 1_048_576 */
  maxBytes?: number;
  /** Redirects followed before giving up; every hop is checked again. @default 5 */
  maxRedirects?: number;
  /** Start-to-close timeout of one attempt. @default '30 seconds' */
  timeout?: Duration;
  /** Name resolution; tests inject one. @default the system resolver */
  resolve?: Resolver;
}

export const DEFAULT_HTTP_GET_OPTIONS = { maxBytes: 1_048_576, maxRedirects: 5, timeout: '30 seconds' } as const;

export interface HttpGetOutput {
  url: string;
  status: number;
  contentType: string;
  body: string;
  truncated: boolean;
  /** Bytes of body received (at most `maxBytes`). */
  bytes: number;
  /** The body's full size when the server said it (`content-length`). */
  totalBytes?: number;
  redirects: string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  truncated: boolean;
}

/** One GET to exactly `address:port`, reading at most `maxBytes` of the body. */
function getOnce(url: URL, address: string, port: number, maxBytes: number, signal: AbortSignal): Promise<RawResponse> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      {
        host: address,
        port,
        method: 'GET',
        path: `${url.pathname}${url.search}`,
        headers: { host: url.host, 'user-agent': 'durable-agent http_get', accept: '*/*', 'accept-encoding': 'identity' },
        ...(url.protocol === 'https:' && !isIP(url.hostname.replace(/^\[|\]$/g, '')) ? { servername: url.hostname } : {}),
        signal,
      },
      (response) => {
        const remote = response.socket.remoteAddress?.replace(/^::ffff:/, '');
        if (remote && remote !== address.replace(/^::ffff:/, '')) {
          request.destroy();
          reject(new DestinationRefused(`connected to ${remote}, not to the checked address ${address}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const finish = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), truncated });
        response.on('data', (chunk: Buffer) => {
          const room = maxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size = maxBytes;
            truncated = true;
            finish();
            response.destroy();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        response.once('end', finish);
        response.once('error', reject);
      },
    );
    request.once('error', reject);
    request.end();
  });
}

/**
 * An upper bound on the size of `text` (JSON) pretty-printed with an indent of 2: every line break adds at most
 * a newline and two spaces per level of nesting, and there is at most one line break per `,`, `[`, `{` and `]`, `}`.
 */
export function prettyJsonBound(text: string): number {
  const { depth, structural } = jsonShape(text);
  return Buffer.byteLength(text) + structural * (2 + 2 * depth);
}

/**
 * Body as text: JSON pretty-printed when the result stays within `maxBytes` (deep nesting would otherwise turn
 * a few KB into many MB: indentation grows with depth), binary reported rather than dumped.
 */
export function bodyText(body: Buffer, contentType: string, truncated: boolean, maxBytes: number): string {
  if (body.subarray(0, 1024).includes(0)) return `[binary content, ${body.length} bytes]`;
  const text = body.toString('utf8');
  if (!truncated && /[/+]json\b/i.test(contentType) && prettyJsonBound(text) <= maxBytes) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

/** Errors of the HTTP exchange that are about the request or the server's answer, not a passing fault: not retried. */
function isRequestProblem(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  return code.startsWith('HPE_') || code === 'ERR_INVALID_URL' || code === 'ERR_UNESCAPED_CHARACTERS' || code === 'ERR_INVALID_CHAR';
}

/** The `http_get` built-in: GET over http/https, guarded against internal addresses, size-capped. */
export function createHttpGetTool(options: HttpGetOptions = {}): Tool {
  const allowlist = new HostAllowlist(options.allow ?? []);
  const maxBytes = options.maxBytes ?? DEFAULT_HTTP_GET_OPTIONS.maxBytes;
  const maxRedirects = options.maxRedirects ?? DEFAULT_HTTP_GET_OPTIONS.maxRedirects;
  const resolve = options.resolve ?? systemResolver;

  return defineTool({
    name: 'http_get',
    description:
      'Fetch a URL with HTTP GET. Returns the status, the content type and the body as text (JSON pretty-printed), ' +
      `cut at ${maxBytes} bytes. Internal and private addresses are refused.`,
    input: z.object({ url: z.string().min(1).max(8_192).describe('An absolute http:// or https:// URL') }).strict(),
    timeout: options.timeout ?? DEFAULT_HTTP_GET_OPTIONS.timeout,
    heartbeatTimeout: '4 seconds',
    effects: 'read',
    summaryField: 'url',
    run: async ({ url: text }, context): Promise<HttpGetOutput> => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw new ToolError(`"${text.slice(0, 200)}" is not an absolute URL`);
      }
      const redirects: string[] = [];
      for (;;) {
        const { address, port } = await checkDestination(url, allowlist, resolve);
        let response: RawResponse;
        try {
          response = await getOnce(url, address, port, maxBytes, context.signal);
        } catch (error) {
          if (isRequestProblem(error)) throw new ToolError(`the server at ${url.host} sent an answer that cannot be read: ${(error as Error).message}`);
          throw error;
        }
        const location = response.headers.location;
        if (REDIRECTS.has(response.status) && location) {
          if (redirects.length >= maxRedirects) throw new ToolError(`too many redirects (more than ${maxRedirects}) from ${text}`);
          try {
            url = new URL(location, url);
          } catch {
            throw new ToolError(`${url.host} redirected to "${location.slice(0, 200)}", which is not a valid URL`);
          }
          redirects.push(url.toString());
          continue;
        }
        const contentType = response.headers['content-type'] ?? '';
        const declared = Number(response.headers['content-length']);
        return {
          url: url.toString(),
          status: response.status,
          contentType,
          body: bodyText(response.body, contentType, response.truncated, maxBytes),
          truncated: response.truncated,
          bytes: response.body.length,
          ...(Number.isFinite(declared) && response.headers['content-length'] !== undefined ? { totalBytes: declared } : {}),
          redirects,
        };
      }
    },
  });
}
