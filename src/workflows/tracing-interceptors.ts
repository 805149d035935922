import { OpenTelemetryInboundInterceptor, OpenTelemetryInternalsInterceptor, OpenTelemetryOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { Next, QueryInput, SignalInput, UpdateInput, WorkflowInboundCallsInterceptor, WorkflowInterceptors } from '@temporalio/workflow';

/**
 * The run's side of tracing (docs/observability.md, "Traces"): OpenTelemetry's workflow interceptors for the run itself
 * (`RunWorkflow`), the activities it schedules (`StartActivity`, whose context each activity carries) and
 * continue-as-new, but not for Updates, signals and queries. Those would wrap every decision in a span behind an SDK
 * flag first checked in the Update's validator (a read-only context), which a replay sees otherwise: a worker
 * replaying a run with a decided approval found the Update's timer cancelled out of order (a nondeterminism error,
 * test/workflow/interaction.test.ts). Decisions are in the event log and as `wait` spans (wait-spans.ts).
 */
class RunInboundInterceptor extends OpenTelemetryInboundInterceptor {
  override handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return next(input);
  }
  override handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return next(input);
  }
  override validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    next(input);
  }
  override handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new RunInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
