/* eslint-disable @typescript-eslint/no-require-imports -- the OpenTelemetry SDK loads only when tracing is on */
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';
import type * as Resources from '@opentelemetry/resources';
import type * as TraceBase from '@opentelemetry/sdk-trace-base';
import type * as TraceNode from '@opentelemetry/sdk-trace-node';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtlpProto from '@opentelemetry/exporter-trace-otlp-proto';

/** The service name spans carry when `OTEL_SERVICE_NAME` does not say. */
export const DEFAULT_SERVICE_NAME = 'durable-agent';

/** Where and how spans go, from the standard `OTEL_*` variables (docs/observability.md, "Traces"). */
export interface TracingSettings {
  /** The OTLP/HTTP traces endpoint (`…/v1/traces`). */
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
}

/**
 * Tracing is on when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * plus `/v1/traces`) and neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none` turns it off. Only
 * OTLP over HTTP is offered (`http/protobuf`, the default, or `http/json`); `grpc` is refused with what to do.
 */
export function tracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return undefined;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!endpoint) return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: durable-agent exports spans by OTLP over HTTP; set it to http/protobuf (the default) or http/json, with the endpoint's HTTP port (4318)`);
  }
  return { endpoint, protocol, serviceName: env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME };
}

/** Tracing set up in this process: what the worker's workflow span exporter needs, and how to flush at the end. */
export interface Tracing {
  settings: TracingSettings;
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Sends what is buffered and stops; called once the worker or client is done. */
  shutdown(): Promise<void>;
}

let installed: Tracing | undefined;

/**
 * Sets up OpenTelemetry tracing for this process once (a global tracer provider with an async-hooks context manager,
 * so spans made in activities are children of the activity's span), exporting in batches by OTLP/HTTP. Undefined when
 * the environment does not ask for tracing: then nothing of the OpenTelemetry SDK is loaded.
 */
export function installTracing(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (installed) return installed;
  const settings = tracingSettings(env);
  if (!settings) return undefined;
  const { Resource } = require('@opentelemetry/resources') as typeof Resources;
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof TraceBase;
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof TraceNode;
  const { OTLPTraceExporter } =
    settings.protocol === 'http/json'
      ? (require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp)
      : (require('@opentelemetry/exporter-trace-otlp-proto') as typeof OtlpProto);
  const { version } = require('../../package.json') as { version: string };
  const resource = new Resource({ 'service.name': settings.serviceName, 'service.version': version });
  // Headers and timeouts come from the standard variables, read by the exporter itself.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint }), { scheduledDelayMillis: 500 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  let stopping: Promise<void> | undefined;
  installed = { settings, resource, spanProcessor, shutdown: () => (stopping ??= provider.shutdown()) };
  return installed;
}

/** The tracing this process set up, if any. */
export function activeTracing(): Tracing | undefined {
  return installed;
}
