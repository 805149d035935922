import { inWorkflowContext, metricMeter } from '@temporalio/workflow';
import type { MetricCounter, MetricHistogram, MetricTags } from '@temporalio/common';
import type { RunEvent } from '../../contracts/interaction-schemas';
import { ERROR_TYPES } from '../../contracts/error-types';
import type { RunPhase } from '../../core/run-fold';

/**
 * The agent's metrics (docs/observability.md#metrics), derived from the run's events as they are appended: one hook,
 * in `RunState`. They go through the workflow's `metricMeter`, which emits nothing while the workflow replays, so a
 * run picked up again by another worker (or by the same one after its cache dropped it) is not counted twice. The
 * worker's Runtime exports them (`worker --metrics`); without an exporter they go nowhere. Not a command: no
 * versioning. Labels are bounded: tool names (the catalogue), model names (as the provider answers), statuses, error
 * families and wait kinds from fixed lists; never a run or call id.
 */

/** Kinds of waits for people (and for a budget raise or a resume): `durable_agent_waits_*{kind}`. */
export type WaitKind = 'approval' | 'question' | 'budget' | 'pause';

/** Every metric name, for the docs and the tests. */
export const AGENT_METRICS = {
  runsStarted: 'durable_agent_runs_started_total',
  runsEnded: 'durable_agent_runs_ended_total',
  steps: 'durable_agent_steps_total',
  modelCalls: 'durable_agent_model_calls_total',
  inputTokens: 'durable_agent_model_input_tokens_total',
  outputTokens: 'durable_agent_model_output_tokens_total',
  costMicroUsd: 'durable_agent_model_cost_microusd_total',
  runCostUsd: 'durable_agent_run_cost_usd',
  toolCalls: 'durable_agent_tool_calls_total',
  toolDuration: 'durable_agent_tool_call_duration_ms',
  waitsStarted: 'durable_agent_waits_started_total',
  waitsEnded: 'durable_agent_waits_ended_total',
  budgetPauses: 'durable_agent_budget_pauses_total',
} as const;

const CATALOGUED_ERRORS: ReadonlySet<string> = new Set(Object.values(ERROR_TYPES));

/**
 * A failed call's `outcome` label: its error type's family (`ToolTimeout`, `ToolDenied`, `ModelInvocationError`…) when
 * the type is one of the catalogue's, else `other` (a tool's own `ApplicationFailure` types are not bounded).
 */
export function errorFamily(errorType: string | undefined): string {
  if (!errorType) return 'ToolFailed';
  return CATALOGUED_ERRORS.has(errorType) ? (errorType.split('.')[0] ?? errorType) : 'other';
}

/** Where a run's metrics start: a new run, or the next run of a chain (nothing counted again) with its open waits. */
export interface MetricsStart {
  /** True for the first run of a chain: `runs_started` counts it. */
  newRun: boolean;
  /** The model the run names, for a failed model call's label (the worker's default otherwise, as last answered). */
  model?: string;
  phase: RunPhase['name'];
  approvals: readonly string[];
  questions: readonly string[];
  /** The logical run's cost so far in USD (the whole chain), read when it ends. */
  costUsd: () => number | undefined;
}

export interface Instruments {
  counter(name: string, description: string, unit?: string): MetricCounter;
  histogram(name: string, valueType: 'int' | 'float', description: string, unit?: string): MetricHistogram;
}

/** Outside a workflow (unit tests of the run state) nothing is recorded. */
const NO_INSTRUMENTS: Instruments = {
  counter: (name) => ({ name, kind: 'counter', valueType: 'int', add: () => undefined, withTags: () => NO_INSTRUMENTS.counter(name, '') }),
  histogram: (name, valueType) => ({ name, kind: 'histogram', valueType, record: () => undefined, withTags: () => NO_INSTRUMENTS.histogram(name, valueType, '') }),
};

const WORKFLOW_INSTRUMENTS: Instruments = {
  counter: (name, description, unit) => metricMeter.createCounter(name, unit, description),
  histogram: (name, valueType, description, unit) => metricMeter.createHistogram(name, valueType, unit, description),
};

/** A run's metrics: told of each event of its log (after the fold took it) with the phase it left. */
export class AgentMetrics {
  private readonly counters: Record<Exclude<keyof typeof AGENT_METRICS, 'runCostUsd' | 'toolDuration'>, MetricCounter>;
  private readonly toolDuration: MetricHistogram;
  private readonly runCost: MetricHistogram;
  /** Waits open now, by kind (call ids; one entry for a budget wait or a pause), closed at the run's end. */
  private readonly open = new Map<WaitKind, Set<string>>();
  private lastModel?: string;

  constructor(
    private readonly start: MetricsStart,
    instruments: Instruments = inWorkflowContext() ? WORKFLOW_INSTRUMENTS : NO_INSTRUMENTS,
  ) {
    const c = (key: keyof typeof AGENT_METRICS, description: string, unit?: string) => instruments.counter(AGENT_METRICS[key], description, unit);
    this.counters = {
      runsStarted: c('runsStarted', 'Agent runs started (a continue-as-new chain counts once).'),
      runsEnded: c('runsEnded', 'Agent runs ended, by status.'),
      steps: c('steps', 'Steps begun (one model answer each).'),
      modelCalls: c('modelCalls', 'Model calls, by model and outcome (ok, failed).'),
      inputTokens: c('inputTokens', 'Input tokens of model calls, by model.'),
      outputTokens: c('outputTokens', 'Output tokens of model calls, by model.'),
      costMicroUsd: c('costMicroUsd', 'Cost of model calls in millionths of a USD (when the worker knows the price), by model.'),
      toolCalls: c('toolCalls', 'Tool calls ended, by tool and outcome (ok, or the error family).'),
      waitsStarted: c('waitsStarted', 'Waits begun, by kind (approval, question, budget, pause).'),
      waitsEnded: c('waitsEnded', 'Waits ended (answered, expired, or their run ended), by kind.'),
      budgetPauses: c('budgetPauses', 'Runs paused on an exhausted budget.'),
    };
    this.toolDuration = instruments.histogram(AGENT_METRICS.toolDuration, 'int', 'Tool call latency in milliseconds, by tool and outcome.', 'ms');
    this.runCost = instruments.histogram(AGENT_METRICS.runCostUsd, 'float', 'Cost of ended runs in USD (runs whose model has a price).', 'USD');
    if (start.model) this.lastModel = start.model;
    for (const id of start.approvals) this.openWait('approval', id);
    for (const id of start.questions) this.openWait('question', id);
    if (start.phase === 'waiting_for_budget') this.openWait('budget', 'budget');
    if (start.phase === 'paused') this.openWait('pause', 'pause');
    if (start.newRun) this.counters.runsStarted.add(1);
  }

  /** The model of the latest answer (`PlanResult.model`): the label of the next model call's event. */
  modelAnswered(model: string): void {
    this.lastModel = model;
  }

  /** One event of the run's log; `from` is the phase before it. */
  observe(event: RunEvent, from: RunPhase['name']): void {
    switch (event.type) {
      case 'step_started':
        this.counters.steps.add(1);
        break;
      case 'plan_done':
      case 'plan_failed':
        this.modelCall(event, event.type === 'plan_done');
        break;
      case 'call_finished':
      case 'call_denied': {
        const tags = { tool: event.tool ?? 'unknown', outcome: event.ok ? 'ok' : errorFamily(event.errorType) };
        this.counters.toolCalls.add(1, tags);
        if (event.durationMs !== undefined) this.toolDuration.record(Math.max(0, Math.round(event.durationMs)), tags);
        break;
      }
      case 'approval_needed':
        this.beginWait('approval', event.callId);
        break;
      case 'approval_decided':
        this.endWait('approval', event.callId);
        break;
      case 'question_asked':
        this.beginWait('question', event.callId);
        break;
      case 'question_answered':
        this.endWait('question', event.callId);
        break;
      case 'budget_exhausted':
        this.counters.budgetPauses.add(1);
        this.beginWait('budget', 'budget');
        break;
      case 'run_paused':
        this.beginWait('pause', 'pause');
        break;
      case 'run_resumed':
        this.endWait(from === 'paused' ? 'pause' : 'budget', from === 'paused' ? 'pause' : 'budget');
        break;
      case 'run_ended':
        if (from === 'ended') break;
        for (const [kind, ids] of this.open) for (const id of [...ids]) this.endWait(kind, id);
        this.counters.runsEnded.add(1, { status: event.detail ?? 'failed' });
        this.recordRunCost();
        break;
      default:
        break;
    }
  }

  private modelCall(event: RunEvent, ok: boolean): void {
    const model = this.lastModel ?? 'default';
    const tags: MetricTags = { model };
    this.counters.modelCalls.add(1, { model, outcome: ok ? 'ok' : 'failed' });
    if (event.inputTokens) this.counters.inputTokens.add(event.inputTokens, tags);
    if (event.outputTokens) this.counters.outputTokens.add(event.outputTokens, tags);
    if (event.costUsd !== undefined && event.costUsd > 0) {
      const micro = Math.round(event.costUsd * 1_000_000);
      if (micro > 0) this.counters.costMicroUsd.add(micro, tags);
    }
  }

  private recordRunCost(): void {
    const cost = this.start.costUsd();
    if (cost !== undefined && cost > 0) this.runCost.record(cost);
  }

  private openWait(kind: WaitKind, id: string): boolean {
    const ids = this.open.get(kind) ?? new Set<string>();
    this.open.set(kind, ids);
    if (ids.has(id)) return false;
    ids.add(id);
    return true;
  }

  private beginWait(kind: WaitKind, id: string | undefined): void {
    if (this.openWait(kind, id ?? kind)) this.counters.waitsStarted.add(1, { kind });
  }

  private endWait(kind: WaitKind, id: string | undefined): void {
    if (this.open.get(kind)?.delete(id ?? kind)) this.counters.waitsEnded.add(1, { kind });
  }
}
