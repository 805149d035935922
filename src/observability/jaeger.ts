import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../config/parse-environment';
import { freePort } from '../temporal-server/dev-server';
import { resolveJaegerBinary } from './jaeger-binary';

/**
 * Ports: Jaeger's own defaults for the OTLP/HTTP receiver and the query API and UI; the query gRPC API, which nothing
 * here uses (Jaeger always serves it), on a free port, so a second Jaeger on the machine does not clash on it.
 */
export const DEFAULT_JAEGER_OPTIONS = {
  otlpHttpPort: 4318,
  queryPort: 16686,
  queryGrpcPort: 0,
  readyTimeoutMs: 60_000,
} as const;

/** The only address Jaeger is bound to: it accepts spans and serves the UI to this machine only. */
const HOST = '127.0.0.1';

export interface StartJaegerOptions {
  /** Port of the OTLP/HTTP receiver (`POST /v1/traces`); 0 picks a free one. @default 4318 */
  otlpHttpPort?: number;
  /** Port of the query API and UI; 0 picks a free one. @default 16686 */
  queryPort?: number;
  /** Port of the query gRPC API (the UI does not need it, but Jaeger always serves it); 0 picks a free one. @default 0 */
  queryGrpcPort?: number;
  /** How long to wait until both the receiver and the query API answer. @default 60_000 */
  readyTimeoutMs?: number;
  /** Environment to find or build the binary with. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Receives progress lines (the binary's build). @default writes to stderr */
  onProgress?: (line: string) => void;
  /** Receives every line Jaeger logs. @default kept for error messages only */
  onLog?: (line: string) => void;
}

/** A running Jaeger all-in-one started by this process, with in-memory storage. */
export interface Jaeger {
  /** Base URL of the OTLP/HTTP receiver: what `OTEL_EXPORTER_OTLP_ENDPOINT` is set to (spans go to `<it>/v1/traces`). */
  otlpEndpoint: string;
  /** Base URL of the query API and the UI (`/search`, `/trace/<id>`, `/api/traces`, `/api/v3/traces`). */
  queryUrl: string;
  /**
   * False when the binary serves Jaeger's placeholder page instead of the UI: a binary built from the Go module has no
   * UI assets (they are built from the jaeger-ui repository into release binaries only); the query API works the same.
   */
  hasUi: boolean;
  pid: number;
  /** Resolves with the exit code when the process ends, for whatever reason. */
  exited: Promise<number | null>;
  /** Stops it by its pid (SIGTERM, then SIGKILL after `graceMs`), waits for it to end, and removes its config folder. */
  stop(graceMs?: number): Promise<void>;
}

/** Raised when Jaeger could not be started or did not become ready; the message has its last lines of output. */
export class JaegerStartError extends ConfigurationError {
  override name = 'JaegerStartError';
}

/**
 * The collector configuration of Jaeger v2 (`cmd/jaeger` of v1.75.0, built on the OpenTelemetry Collector v0.139):
 * the OTLP/HTTP receiver into in-memory storage, the query extension (API and UI) reading it. Every listener is on
 * 127.0.0.1 (the query gRPC API would otherwise listen on every interface); the collector's own metrics, which
 * would serve Prometheus on port 8888, and the query extension's own traces, which it would send to 127.0.0.1:4317, are off.
 */
export function jaegerConfig(ports: { otlpHttpPort: number; queryPort: number; queryGrpcPort: number }): string {
  return `# Written by durable-agent (src/observability/jaeger.ts): Jaeger v2 all-in-one on loopback, in-memory storage.
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: info

extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memstore
    # On by default in Jaeger v2: its own query spans, sent by OTLP/gRPC to 127.0.0.1:4317 (nothing listens there).
    enable_tracing: false
    http:
      endpoint: ${HOST}:${ports.queryPort}
    grpc:
      endpoint: ${HOST}:${ports.queryGrpcPort}

receivers:
  otlp:
    protocols:
      http:
        endpoint: ${HOST}:${ports.otlpHttpPort}

processors:
  batch:
    timeout: 200ms

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** Finds (or builds, once) Jaeger's all-in-one, starts it on loopback with a config file of its own, and waits until it answers. */
export async function startJaeger(options: StartJaegerOptions = {}): Promise<Jaeger> {
  const binary = await resolveJaegerBinary({ env: options.env, onProgress: options.onProgress });
  const pick = async (port: number | undefined, fallback: number) => ((port ?? fallback) === 0 ? freePort(HOST) : (port ?? fallback));
  const ports = {
    otlpHttpPort: await pick(options.otlpHttpPort, DEFAULT_JAEGER_OPTIONS.otlpHttpPort),
    queryPort: await pick(options.queryPort, DEFAULT_JAEGER_OPTIONS.queryPort),
    queryGrpcPort: await pick(options.queryGrpcPort, DEFAULT_JAEGER_OPTIONS.queryGrpcPort),
  };
  const folder = mkdtempSync(join(tmpdir(), 'durable-agent-jaeger-'));
  const configPath = join(folder, 'jaeger.yaml');
  writeFileSync(configPath, jaegerConfig(ports));

  const child = spawn(binary, ['--config', configPath], { cwd: folder, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);
  const recentLines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      recentLines.push(line);
      if (recentLines.length > 40) recentLines.shift();
      options.onLog?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('error', () => resolveExit(null));
    child.once('exit', (code) => {
      process.off('exit', stopOnExit);
      resolveExit(code);
    });
  });
  const otlpEndpoint = `http://${HOST}:${ports.otlpHttpPort}`;
  const queryUrl = `http://${HOST}:${ports.queryPort}`;
  const stop = async (graceMs = 10_000) => {
    await stopProcess(child, exited, graceMs);
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(otlpEndpoint, queryUrl, options.readyTimeoutMs ?? DEFAULT_JAEGER_OPTIONS.readyTimeoutMs, exited);
  } catch (error) {
    await stop(5_000);
    const output = recentLines.slice(-15).join('\n');
    const portHint = /address already in use/i.test(output)
      ? `\nPort ${ports.otlpHttpPort}, ${ports.queryPort} or ${ports.queryGrpcPort} of ${HOST} is already in use: another Jaeger or OpenTelemetry collector may run there (use it), or stop it.`
      : '';
    throw new JaegerStartError(`Jaeger (${binary}) did not start: ${(error as Error).message}${portHint}` + (output ? `\nIts last output:\n${output}` : ''));
  }
  return { otlpEndpoint, queryUrl, hasUi: await servesUi(queryUrl), pid: child.pid ?? -1, exited, stop };
}

/** The UI's page, unless it is the placeholder that binaries built without the UI assets serve. */
async function servesUi(queryUrl: string): Promise<boolean> {
  try {
    const page = await fetch(`${queryUrl}/`, { signal: AbortSignal.timeout(5_000) });
    return page.ok && !/not the Jaeger UI you are looking for|placeholder for the Jaeger UI/i.test(await page.text());
  } catch {
    return false;
  }
}

/** Ready = the receiver takes an (empty) OTLP/JSON export and the query API lists services. */
async function waitUntilReady(otlpEndpoint: string, queryUrl: string, timeoutMs: number, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void exited.then(() => (ended = true));
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (ended) throw new Error(`the process exited before it was ready (exit code ${String(await exited)})`);
    try {
      const receiver = await fetch(`${otlpEndpoint}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceSpans: [] }),
        signal: AbortSignal.timeout(1_000),
      });
      if (!receiver.ok) throw new Error(`POST ${otlpEndpoint}/v1/traces answered ${receiver.status}`);
      const query = await fetch(`${queryUrl}/api/services`, { signal: AbortSignal.timeout(1_000) });
      if (!query.ok) throw new Error(`GET ${queryUrl}/api/services answered ${query.status}`);
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 200));
    }
  }
  throw new Error(`it did not answer at ${otlpEndpoint} and ${queryUrl} within ${timeoutMs} ms (last error: ${lastError})`);
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
