import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import { trace } from '@opentelemetry/api';
import { installTracing } from '../observability/tracing';

/** The workflow's span sink when tracing is off (its interceptors are in every bundle): drops what it gets. */
const DROP = { export: { fn: () => undefined } };

/**
 * Every line the SDK logs of an activity (`Activity failed`, …) carries the attempt's trace and span ids and, for a tool
 * call, its call id (`s2-1`), so a log line finds its trace and its call (docs/observability.md, "Logs"). The ids are
 * noted when the attempt starts, inside the span OpenTelemetry's interceptor (listed before) opened for it.
 */
const logAttributes: ActivityInterceptorsFactory = () => {
  const noted: Record<string, string> = {};
  return {
    inbound: {
      execute: (input, next) => {
        const span = trace.getActiveSpan()?.spanContext();
        if (span) Object.assign(noted, { trace_id: span.traceId, span_id: span.spanId });
        const callId = (input.args[0] as { taskId?: unknown } | undefined)?.taskId;
        if (typeof callId === 'string') noted.callId = callId;
        return next(input);
      },
    },
    outbound: { getLogAttributes: (attributes, next) => next({ ...noted, ...attributes }) },
  };
};

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
      activity: [
        (context) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(context), outbound: new OpenTelemetryActivityOutboundInterceptor(context) }),
        logAttributes,
      ],
    },
    ...(workflowSource ? { sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } } : {}),
  };
}
