import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import { trace } from '@opentelemetry/api';
import { installTracing } from '../observability/tracing';

/** The workflow's span sink when tracing is off (its interceptors are in every bundle): drops what it gets. */
const DROP = { export: { fn: () => undefined } };

/**
 * Every line the SDK logs of an activity (`Activity failed`, …) carries the step and, for a tool call, its call id
 * (`s2-1`), and with tracing on the attempt's trace and span ids, so a log line finds its step, its call and its trace
 * (docs/observability.md, "Logs"). The ids are noted when the attempt starts, inside the span OpenTelemetry's
 * interceptor (listed before) opened for it.
 */
const logAttributes: ActivityInterceptorsFactory = () => {
  const noted: Record<string, string | number> = {};
  return {
    inbound: {
      execute: (input, next) => {
        const span = trace.getActiveSpan()?.spanContext();
        if (span) Object.assign(noted, { trace_id: span.traceId, span_id: span.spanId });
        // A tool call's request names its call (`s2-1`: step 2); a model call's says its step.
        const request = input.args[0] as { taskId?: unknown; step?: unknown } | undefined;
        if (typeof request?.taskId === 'string') {
          noted.callId = request.taskId;
          const step = /^s(\d+)-/.exec(request.taskId)?.[1];
          if (step) noted.step = Number(step);
        } else if (typeof request?.step === 'number') {
          noted.step = request.step;
        }
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
      interceptors: { ...(workflowModules.length ? { workflowModules } : {}), activity: [logAttributes] },
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
