import { DefaultLogger, Runtime, type RuntimeOptions } from '@temporalio/worker';
import { ConfigurationError } from '../config/temporal-config';

/**
 * Bucket bounds of the agent's histograms (docs/observability.md): tool call latency in milliseconds, and a run's cost
 * in USD (the exporter's default bounds, 0 to 10,000, suit milliseconds but not dollars).
 */
export const AGENT_HISTOGRAM_BUCKETS: Readonly<Record<string, number[]>> = {
  durable_agent_tool_call_duration_ms: [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000],
  durable_agent_run_cost_usd: [0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 50],
};

/** The runtime's telemetry options that serve Prometheus metrics on `bindAddress` (`/metrics`). */
export function prometheusTelemetry(bindAddress: string): NonNullable<RuntimeOptions['telemetryOptions']>['metrics'] {
  return { prometheus: { bindAddress, histogramBucketOverrides: { ...AGENT_HISTOGRAM_BUCKETS } } };
}

/** Where the process's Temporal Runtime serves Prometheus metrics: its address, `null` for none, `undefined` when no Runtime exists yet. */
export function runtimeMetricsAddress(): string | null | undefined {
  const runtime = Runtime._instance;
  if (!runtime) return undefined;
  const exporter = runtime.options.runtimeOptions.metricsExporter;
  return exporter && exporter.type === 'prometheus' ? exporter.socketAddr : null;
}

/**
 * Makes sure this process's Temporal Runtime serves Prometheus metrics on `bindAddress`: installs it (with `base`'s
 * logger and other options) when no Runtime exists yet; accepts one already installed with metrics on that address.
 * The Runtime is once per process and its telemetry cannot change: one created without metrics (a `Runtime.install`
 * of your own, or a connection or worker made before) is a `ConfigurationError` that says what to do.
 */
export function installMetricsRuntime(bindAddress: string, base: RuntimeOptions = {}): void {
  const current = runtimeMetricsAddress();
  if (current === bindAddress) return;
  if (current !== undefined) {
    const how = Runtime.instantiator === 'install' ? 'installed (Runtime.install)' : 'created by a connection or worker made first';
    throw new ConfigurationError(
      `Cannot serve metrics on ${bindAddress}: this process's Temporal Runtime was already ${how} ${current ? `with metrics on ${current}` : 'without metrics'}, ` +
        'and a Runtime is once per process. Ask for metrics before anything connects (the metricsAddress option, DURABLE_AGENT_METRICS_ADDRESS), ' +
        `or install it yourself first: Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: '${bindAddress}' } } } }).`,
    );
  }
  try {
    Runtime.install({
      ...base,
      logger: base.logger ?? new DefaultLogger('WARN'),
      telemetryOptions: { ...base.telemetryOptions, metrics: prometheusTelemetry(bindAddress) },
    });
  } catch (error) {
    throw new ConfigurationError(`Cannot serve metrics on ${bindAddress}: ${(error as Error).message} (is the port taken? DURABLE_AGENT_METRICS_ADDRESS / --metrics choose another).`);
  }
}
