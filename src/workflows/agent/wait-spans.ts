import { trace, type Span } from '@opentelemetry/api';
import { inWorkflowContext } from '@temporalio/workflow';
import type { RunEvent } from '../../contracts/interaction-schemas';
import type { CarriedGate } from '../../contracts/workflow-input';

/** Kinds of waits a trace shows as spans. */
type WaitKind = 'approval' | 'question' | 'budget' | 'pause';

/** Which events begin and end a wait, and its key (a call's waits are per call; a run has one budget and one pause). */
function waitOf(event: RunEvent): { kind: WaitKind; key: string; begins: boolean } | undefined {
  const call = event.callId ?? '';
  switch (event.type) {
    case 'approval_needed':
      return { kind: 'approval', key: `approval:${call}`, begins: true };
    case 'approval_decided':
      return { kind: 'approval', key: `approval:${call}`, begins: false };
    case 'question_asked':
      return { kind: 'question', key: `question:${call}`, begins: true };
    case 'question_answered':
      return { kind: 'question', key: `question:${call}`, begins: false };
    case 'budget_exhausted':
      return { kind: 'budget', key: 'budget', begins: true };
    case 'budget_raised':
      return { kind: 'budget', key: 'budget', begins: false };
    case 'run_paused':
      return { kind: 'pause', key: 'pause', begins: true };
    case 'run_resumed':
      return { kind: 'pause', key: 'pause', begins: false };
    default:
      return undefined;
  }
}

/**
 * Waits for people (an approval, a question, a budget raise, a resume) as spans of the run's trace
 * (docs/observability.md, "Traces"): `wait approval` from `approval_needed` to `approval_decided`, and so on, with the
 * step, the call id and tool, and how it ended. Made in the workflow with the tracer OpenTelemetry's workflow
 * interceptors registered, so they reach the worker through the same sink as the workflow's other spans: never while
 * the workflow replays, so never twice. With tracing off the worker drops them. Not a command: no versioning. A wait
 * still open when the run hands over (continue-as-new) is not ended there: the next run starts it again from the
 * carried events, with its first start time, and ends it when the wait ends, so it is sent once. A wait still open
 * when the run ends is ended then, with `durable_agent.wait.open`.
 */
export class WaitSpans {
  private readonly open = new Map<string, Span>();

  /**
   * The next run of a chain: the waits the carried events leave open begin again, from when they first began. The
   * carried events are the log's newest 200: a call still waiting whose request is older than that is known from the
   * carried gates instead (when it was asked; its tool when the call is listed as running, as a question is; an
   * approval's tool comes with its decision).
   */
  resume(carried: readonly RunEvent[], gates: readonly CarriedGate[] = [], context: { step: number; toolOf: (callId: string) => string | undefined } = { step: 0, toolOf: () => undefined }): void {
    const open = new Map<string, RunEvent>();
    for (const event of carried) {
      const wait = waitOf(event);
      if (wait?.begins) open.set(wait.key, event);
      else if (wait) open.delete(wait.key);
    }
    for (const gate of gates) {
      if (open.has(`${gate.kind}:${gate.taskId}`)) continue;
      const tool = gate.tool ?? context.toolOf(gate.taskId);
      const type = gate.kind === 'approval' ? 'approval_needed' : 'question_asked';
      open.set(`${gate.kind}:${gate.taskId}`, { offset: -1, at: gate.askedAt, type, step: context.step, callId: gate.taskId, ...(tool ? { tool } : {}) });
    }
    for (const event of open.values()) this.observe(event);
  }

  observe(event: RunEvent): void {
    if (!inWorkflowContext()) return;
    const wait = waitOf(event);
    if (event.type === 'run_ended') return this.endAll();
    if (!wait) return;
    const started = this.open.get(wait.key);
    if (wait.begins) {
      if (started) return;
      const attributes = {
        'durable_agent.wait.kind': wait.kind,
        'durable_agent.step': event.step,
        ...(event.callId ? { 'gen_ai.tool.call.id': event.callId } : {}),
        ...(event.tool ? { 'gen_ai.tool.name': event.tool } : {}),
      };
      this.open.set(wait.key, trace.getTracer('durable-agent').startSpan(`wait ${wait.kind}`, { attributes, startTime: event.at }));
      return;
    }
    if (!started) return;
    // A wait begun again from a carried gate has no tool (a gated call is listed as running only once decided); the
    // decision names it.
    if (event.tool) started.setAttribute('gen_ai.tool.name', event.tool);
    if (event.detail) started.setAttribute('durable_agent.wait.outcome', event.detail);
    started.end(event.at);
    this.open.delete(wait.key);
  }

  /** Ends the waits still open (the run ends or hands over). */
  endAll(): void {
    for (const span of this.open.values()) {
      span.setAttribute('durable_agent.wait.open', true);
      span.end();
    }
    this.open.clear();
  }
}
