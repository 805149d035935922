/* eslint-disable @typescript-eslint/no-require-imports -- the OpenTelemetry SDK loads only when tracing is on */
import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';
import type * as TemporalOtel from '@temporalio/interceptors-opentelemetry';
import { installTracing } from './tracing';

/**
 * A client's interceptors for traces when the environment asks for them (the standard OTEL_* variables): starting a
 * run opens a span whose context the run carries into its workflow and activities, so one run is one trace. Signals
 * and Updates (a decision, a budget raise) are spans of their own, each its own trace: the workflow does not trace
 * Updates (src/workflows/tracing-interceptors.ts). Undefined otherwise, with nothing of OpenTelemetry loaded.
 */
export function clientTracingInterceptors(env: NodeJS.ProcessEnv = process.env): ClientInterceptors | undefined {
  if (!installTracing(env)) return undefined;
  const { OpenTelemetryWorkflowClientInterceptor } = require('@temporalio/interceptors-opentelemetry') as typeof TemporalOtel;
  /** Reads (a follower's `describe` and `events` queries, many a second) stay out of traces: each would be a trace of one span. */
  class RunTracing extends OpenTelemetryWorkflowClientInterceptor {
    override query(input: Parameters<WorkflowClientInterceptor['query'] & object>[0], next: Parameters<WorkflowClientInterceptor['query'] & object>[1]) {
      return next(input);
    }
    override describe(input: Parameters<WorkflowClientInterceptor['describe'] & object>[0], next: Parameters<WorkflowClientInterceptor['describe'] & object>[1]) {
      return next(input);
    }
  }
  return { workflow: [new RunTracing()] };
}
