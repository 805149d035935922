import { DefaultLogger, Runtime, type LogEntry, type LogLevel, type RuntimeOptions } from '@temporalio/worker';
import { loadMetricsAddress } from '../config/temporal-config';
import { installMetricsRuntime } from '../worker/worker-metrics';

/** How the CLI's Temporal runtime logs, and whether it handles signals itself. */
export interface CliRuntimeOptions {
  /** Lowest level the TypeScript SDK writes; its Rust core writes WARN and above (ERROR only when this is ERROR). @default 'WARN' */
  level?: LogLevel;
  /**
   * Let the runtime turn SIGINT/SIGTERM into a worker shutdown (the SDK's default). `run` says no: it must
   * cancel its run first, which needs the worker still polling.
   * @default true
   */
  shutdownOnSignals?: boolean;
  /**
   * One short line per entry (`[temporal WARN] …`), without the timestamp, metadata and stack traces the SDK
   * attaches, and none for a failed activity: `run` shows each failed call in its own progress, with its error, so
   * the SDK's `Activity failed` line only repeated it out of place. A `worker` keeps the full lines.
   * @default false
   */
  compact?: boolean;
  /**
   * Drop the core's notes while it retries an unreachable server (dozens a minute). `run` reports a lost
   * server itself, once, with what to do; a long-running `worker` keeps them, its only sign of trouble.
   * @default false
   */
  hideConnectionRetries?: boolean;
  /**
   * `HOST:PORT` where the process's workers serve Prometheus metrics (`/metrics`, docs/observability.md): `worker
   * --metrics`. A Runtime already installed without them is an error that says so.
   * @default $DURABLE_AGENT_METRICS_ADDRESS, else none
   */
  metricsAddress?: string;
  /**
   * `json`: one JSON object per line (`time`, `level`, `message`, then the entry's metadata: the run's `workflowId` and
   * `runId`, the activity and its `attempt`, a tool call's `callId`, and with tracing on `trace_id` and `span_id`),
   * for log shippers. `text`: the SDK's lines as they are.
   * @default $DURABLE_AGENT_LOG_FORMAT, else text
   */
  logFormat?: LogFormat;
}

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `DURABLE_AGENT_LOG_FORMAT`, checked: a misspelt value is an error that names the choices. */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat {
  const value = env.DURABLE_AGENT_LOG_FORMAT?.trim().toLowerCase();
  if (!value) return 'text';
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new Error(`DURABLE_AGENT_LOG_FORMAT=${value} is not a log format: use text or json`);
}

/** One log entry as a line of JSON (bigints as numbers, errors as their message and stack). */
function jsonLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return `${JSON.stringify({ time, level: entry.level, message: entry.message, ...entry.meta }, (_key, value: unknown) => {
    if (typeof value === 'bigint') return Number(value);
    if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
    return value;
  })}\n`;
}

/** The core's notes while it retries an unreachable server. */
const CONNECTION_RETRIES = /gRPC call \w+ retried \d+ times|tcp connect error|transport error/i;
/** The SDK's note that an activity attempt failed: a compact runtime's command reports the call itself. */
const ACTIVITY_FAILED = /^Activity failed\b/;

/**
 * Installs the Temporal runtime of a CLI process: every log line — the SDK's and the Rust core's, which
 * otherwise print straight to stdout — goes to stderr, so stdout stays the command's output (one JSON
 * document with `--json`). Call before the first worker connection; a second call keeps the first runtime.
 */
export function installCliRuntime(options: CliRuntimeOptions = {}): void {
  const level = options.level ?? 'WARN';
  // DefaultLogger's own output is stderr, with a timestamp and the entry's metadata.
  const full = new DefaultLogger(level);
  const json = (options.logFormat ?? logFormatFromEnv()) === 'json';
  const write = (entry: LogEntry) => {
    if (options.hideConnectionRetries && CONNECTION_RETRIES.test(entry.message)) return;
    if (json) return void process.stderr.write(jsonLine(entry));
    if (options.compact && ACTIVITY_FAILED.test(entry.message)) return;
    if (options.compact) process.stderr.write(`[temporal ${entry.level}] ${entry.message}\n`);
    else full.log(entry.level, entry.message, entry.meta);
  };
  const runtimeOptions: RuntimeOptions = {
    logger: new DefaultLogger(level, write),
    // The core's INFO and DEBUG lines are about its internals, not about the user's runs.
    telemetryOptions: { logging: { filter: { core: level === 'ERROR' ? 'ERROR' : 'WARN', other: 'ERROR' }, forward: {} } },
    ...(options.shutdownOnSignals === false ? { shutdownSignals: [] } : {}),
  };
  const metricsAddress = options.metricsAddress ?? loadMetricsAddress();
  // With metrics, a Runtime installed before without them cannot be kept: that is an error, not a silent no-endpoint.
  if (metricsAddress) return installMetricsRuntime(metricsAddress, runtimeOptions);
  try {
    Runtime.install(runtimeOptions);
  } catch {
    // Already installed in this process: keep it.
  }
}
