/* eslint-disable @typescript-eslint/no-require-imports -- the OpenTelemetry SDK loads only when tracing is on */
import type { ClientInterceptors } from '@temporalio/client';
import type * as TemporalOtel from '@temporalio/interceptors-opentelemetry';
import { installTracing } from './tracing';

/**
 * A client's interceptors for traces when the environment asks for them (the standard OTEL_* variables): starting a
 * run (and every signal, Update and query) opens a span whose context the run carries into its workflow and activities,
 * so one run is one trace. Undefined otherwise, with nothing of OpenTelemetry loaded.
 */
export function clientTracingInterceptors(env: NodeJS.ProcessEnv = process.env): ClientInterceptors | undefined {
  if (!installTracing(env)) return undefined;
  const { OpenTelemetryWorkflowClientInterceptor } = require('@temporalio/interceptors-opentelemetry') as typeof TemporalOtel;
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
