import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import { installTracing } from '../observability/tracing';

/** The workflow's span sink when tracing is off (its interceptors are in every bundle): drops what it gets. */
const DROP = { export: { fn: () => undefined } };

/**
 * What a worker adds for traces (docs/observability.md, "Traces"). Every workflow bundle carries OpenTelemetry's
 * workflow interceptors, which send the workflow's spans to the `exporter` sink: with tracing on (the standard
 * `OTEL_*` variables) the sink exports them, and activities run inside a span of their own, linked to the workflow's;
 * with tracing off the sink drops them. A sink is not called while a workflow replays, so a replay (a worker restart,
 * an evicted cache) never sends a span twice.
 */
export function tracingWorkerOptions(workflowSource: Partial<Pick<WorkerOptions, 'interceptors'>> | undefined): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const tracing = installTracing();
  const workflowModules = workflowSource?.interceptors?.workflowModules ?? [];
  if (!tracing) {
    return {
      ...(workflowModules.length ? { interceptors: { workflowModules } } : {}),
      ...(workflowSource ? { sinks: { exporter: DROP } } : {}),
    };
  }
  return {
    interceptors: {
      workflowModules,
      activity: [(context) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(context), outbound: new OpenTelemetryActivityOutboundInterceptor(context) })],
    },
    ...(workflowSource ? { sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } } : {}),
  };
}
