import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** What an OTLP/HTTP receiver has counted so far: export requests, their body bytes as sent, spans and distinct traces. */
export interface OtlpCounts {
  requests: number;
  bytes: number;
  spans: number;
  traces: number;
  /** Spans by name (`RunActivity:plan`, `chat scripted`, …). */
  byName: Record<string, number>;
}

/** One protobuf field: its number, and its bytes when it is length-delimited (wire type 2). */
interface Field {
  field: number;
  bytes?: Uint8Array;
}

/** The fields of one protobuf message, read by wire type only (no schema): enough to walk OTLP's nesting. */
function* fieldsOf(buffer: Uint8Array): Generator<Field> {
  let offset = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = buffer[offset++];
      if (byte === undefined) throw new Error('truncated protobuf varint');
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  while (offset < buffer.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) varint();
    else if (wire === 1) offset += 8;
    else if (wire === 5) offset += 4;
    else if (wire === 2) {
      const length = varint();
      yield { field, bytes: buffer.subarray(offset, offset + length) };
      offset += length;
      continue;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    yield { field };
  }
}

const childrenOf = (buffer: Uint8Array, field: number) => [...fieldsOf(buffer)].filter((entry) => entry.field === field && entry.bytes).map((entry) => entry.bytes as Uint8Array);

/** The spans of an `ExportTraceServiceRequest` in protobuf: resource_spans (1) → scope_spans (2) → spans (2), each with trace_id (1) and name (5). */
function protobufSpans(body: Uint8Array): Array<{ traceId: string; name: string }> {
  const spans: Array<{ traceId: string; name: string }> = [];
  for (const resourceSpans of childrenOf(body, 1)) {
    for (const scopeSpans of childrenOf(resourceSpans, 2)) {
      for (const span of childrenOf(scopeSpans, 2)) {
        const fields = [...fieldsOf(span)];
        const traceId = Buffer.from(fields.find((entry) => entry.field === 1)?.bytes ?? []).toString('hex');
        const name = Buffer.from(fields.find((entry) => entry.field === 5)?.bytes ?? []).toString('utf8');
        spans.push({ traceId, name });
      }
    }
  }
  return spans;
}

interface JsonRequest {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ traceId?: string; name?: string }> }> }>;
}

function jsonSpans(body: Uint8Array): Array<{ traceId: string; name: string }> {
  const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as JsonRequest;
  return (parsed.resourceSpans ?? []).flatMap((resource) => (resource.scopeSpans ?? []).flatMap((scope) => (scope.spans ?? []).map((span) => ({ traceId: span.traceId ?? '', name: span.name ?? '' }))));
}

function bodyOf(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = [];
    request.on('data', (piece: Buffer) => pieces.push(piece));
    request.on('end', () => resolve(Buffer.concat(pieces)));
    request.on('error', reject);
  });
}

/**
 * An OTLP/HTTP traces receiver on loopback for the tracing benchmark: it takes `http/protobuf` (the exporter's
 * default) or `http/json`, answers 200 at once and counts requests, bytes, spans and traces. The spans are only
 * counted, so what tracing costs the worker is the real export (serialising, batching, one HTTP request per batch).
 */
export async function startOtlpCounter(): Promise<{ endpoint: string; counts(): OtlpCounts; close(): Promise<void> }> {
  let requests = 0;
  let bytes = 0;
  let spans = 0;
  const traces = new Set<string>();
  const byName = new Map<string, number>();
  let failure: string | undefined;
  const server: Server = createServer((request, response) => {
    void bodyOf(request).then((raw) => {
      try {
        if (request.method !== 'POST' || request.url !== '/v1/traces') {
          response.writeHead(404).end();
          return;
        }
        requests += 1;
        bytes += raw.length;
        const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const json = String(request.headers['content-type'] ?? '').includes('json');
        for (const span of json ? jsonSpans(body) : protobufSpans(body)) {
          spans += 1;
          traces.add(span.traceId);
          byName.set(span.name, (byName.get(span.name) ?? 0) + 1);
        }
        // An empty ExportTraceServiceResponse: no partial success.
        response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
      } catch (error) {
        failure ??= error instanceof Error ? error.message : String(error);
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => {
      if (failure) throw new Error(`the OTLP receiver could not read a request: ${failure}`);
      return { requests, bytes, spans, traces: traces.size, byName: Object.fromEntries(byName) };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
