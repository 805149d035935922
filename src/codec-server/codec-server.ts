import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec, ENCRYPTED_ENCODING } from '../codec/encryption-codec';
import type { EncryptionKeys } from '../codec/encryption-keys';
import { ConfigurationError } from '../config/temporal-config';
import { bearerToken, codecTokenProblem, corsHeaders, newCodecToken, originOf, routeOf, tokensMatch, type CodecOperation } from './codec-access';
import { CodecRequestError, payloadsFromJson, payloadsToJson } from './payloads-json';

export interface CodecServerOptions {
  /** The keys payloads are encrypted with (`loadEncryptionKeys`); the first one encrypts what `/encode` gets. */
  keys: EncryptionKeys;
  /** The secret a request must present: `Authorization: Bearer <token>`, or as the path prefix `/<token>/decode`. @default a new random one */
  token?: string;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @default 8888 */
  port?: number;
  /** Origins of the Temporal UI allowed to call from a browser (CORS); any other origin is refused. @default [] */
  uiOrigins?: readonly string[];
  /** Largest request body; a larger one gets 413. @default 4 MiB */
  maxBodyBytes?: number;
  /** Most payloads in one request; more get 413. @default 1000 */
  maxPayloads?: number;
  /** Receives a line for each refused decode and each internal error (never a payload or a token). @default stderr */
  log?: (line: string) => void;
}

export const DEFAULT_CODEC_SERVER_OPTIONS = {
  host: '127.0.0.1',
  port: 8888,
  uiOrigins: [] as readonly string[],
  maxBodyBytes: 4 * 1024 * 1024,
  maxPayloads: 1000,
} as const;

/** A running codec server. */
export interface CodecServer {
  /** `http://host:port`, the base of `/encode` and `/decode` (for `--codec-endpoint` with a bearer token). */
  readonly url: string;
  /** `http://host:port/<token>`: the capability endpoint for the Temporal UI, which cannot send a header of its own. */
  readonly endpoint: string;
  readonly port: number;
  /** The token requests must present (the one given, or the one generated). */
  readonly token: string;
  close(): Promise<void>;
}

const MAX_BODY_LIMIT = 256 * 1024 * 1024;

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigurationError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${value}\`.`);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // Decoded payloads are secrets: no cache may keep them.
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  response.end(JSON.stringify(body));
}

/**
 * The body, up to `limit` bytes; a larger one is a 413. Past the bound the rest is drained, not destroyed, so the 413
 * still reaches the client (the answer closes the connection).
 */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new CodecRequestError(413, `The request body is larger than ${limit} bytes, the most this codec server reads (--max-body-bytes).`);
  if (Number(request.headers['content-length'] ?? 0) > limit) throw tooLarge();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.off('data', collect);
      request.resume();
      reject(tooLarge());
    };
    request.on('data', collect);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
    request.once('close', () => reject(new CodecRequestError(400, 'The request ended before its body did.')));
  });
}

function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING;
}

/**
 * Decodes what is encrypted and passes the rest through as it is: the UI sends every payload it shows, plain ones too
 * (search attributes, runs from before encryption). A viewer that only shows them need not refuse those, as a worker must.
 */
async function decodeForViewing(codec: EncryptionCodec, payloads: Payload[]): Promise<Payload[]> {
  const encrypted = payloads.filter(isEncrypted);
  const decoded = await codec.decode(encrypted);
  let next = 0;
  return payloads.map((payload) => (isEncrypted(payload) ? (decoded[next++] as Payload) : payload));
}

/**
 * Serves Temporal's codec server protocol (`POST …/encode`, `POST …/decode`, Payloads as protobuf JSON) with the
 * payload encryption of src/codec/encryption-codec.ts, for the Temporal UI and the `temporal` CLI (docs/codec-server.md).
 * Every request presents the token; browsers only from `uiOrigins`; bodies and payload counts are bounded.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const settings = { ...DEFAULT_CODEC_SERVER_OPTIONS, ...options };
  checkInteger('port', settings.port, 0, 65_535);
  checkInteger('maxBodyBytes', settings.maxBodyBytes, 1024, MAX_BODY_LIMIT);
  checkInteger('maxPayloads', settings.maxPayloads, 1, 1_000_000);
  const token = options.token ?? newCodecToken();
  const tokenProblem = codecTokenProblem(token);
  if (tokenProblem) throw new ConfigurationError(`Expected \`token\` to be a codec token: ${tokenProblem}.`);
  const origins = new Set(
    settings.uiOrigins.map((origin) => {
      try {
        return originOf(origin);
      } catch (error) {
        throw new ConfigurationError(`Expected \`uiOrigins\` to hold the Temporal UI's origins: ${(error as Error).message}.`);
      }
    }),
  );
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const codec = new EncryptionCodec(settings.keys);

  const run = async (operation: CodecOperation, body: Buffer): Promise<unknown> => {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new CodecRequestError(400, 'The request body is not JSON: expected {"payloads": […]}.');
    }
    const payloads = payloadsFromJson(json, settings.maxPayloads);
    try {
      return payloadsToJson(operation === 'encode' ? await codec.encode(payloads) : await decodeForViewing(codec, payloads));
    } catch (error) {
      // Checked by name, not class: an error's class may come from another module realm.
      if (!(error instanceof Error) || error.name !== 'PayloadDecryptionError') throw error;
      log(`durable-agent codec-server: refused to decode: ${error.message}`);
      throw new CodecRequestError(400, `Cannot decode: ${error.message}`);
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://codec-server').pathname;
    const origin = request.headers.origin;
    const preflight = request.method === 'OPTIONS' ? { privateNetwork: request.headers['access-control-request-private-network'] === 'true' } : undefined;
    const cors = corsHeaders(origin, origins, preflight);
    if (!cors) return send(response, 403, { error: `Forbidden: the origin ${origin ?? ''} is not one of this codec server's Temporal UI origins (--ui-origin).` });
    const route = routeOf(path);
    if (!route) return send(response, 404, { error: 'Not found: this codec server answers POST …/encode and POST …/decode.' }, cors);
    if (preflight) {
      response.writeHead(204, { ...cors, allow: 'POST, OPTIONS' });
      return void response.end();
    }
    if (request.method !== 'POST') return send(response, 405, { error: `Method ${request.method ?? ''} not allowed: use POST.` }, { ...cors, allow: 'POST, OPTIONS' });
    if (!tokensMatch(route.pathToken, token) && !tokensMatch(bearerToken(request.headers.authorization), token)) {
      return send(response, 401, { error: 'Unauthorized: present the codec server token as `Authorization: Bearer <token>` or in the endpoint, http://host:port/<token>.' }, { ...cors, 'www-authenticate': 'Bearer' });
    }
    try {
      send(response, 200, await run(route.operation, await readBody(request, settings.maxBodyBytes)), cors);
    } catch (error) {
      if (!(error instanceof CodecRequestError)) throw error;
      // A body left unread must not be taken for the next request on this connection.
      send(response, error.status, { error: error.message }, error.status === 413 ? { ...cors, connection: 'close' } : cors);
    }
  };

  // Whatever one request does wrong is that request's failure, never the server's.
  const answer = (request: IncomingMessage, response: ServerResponse) =>
    handle(request, response).catch((error: unknown) => {
      log(`durable-agent codec-server: a request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) send(response, 500, { error: 'Internal error of the codec server; its log says more.' });
      else response.end();
    });

  const http = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (request, response) => void answer(request, response));
  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new ConfigurationError(`port ${settings.port} is in use on ${settings.host}: choose another --port, or --port 0 for a free one.`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new ConfigurationError(`cannot listen on host "${settings.host}" (${error.code}): give an address of this machine with --host.`));
      else reject(error);
    });
    http.listen(settings.port, settings.host, () => resolve());
  });
  http.on('error', (error) => log(`durable-agent codec-server: HTTP server error: ${error.message}`));
  const { port } = http.address() as AddressInfo;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
  return {
    url,
    endpoint: `${url}/${token}`,
    port,
    token,
    close: async () => {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
    },
  };
}
