import type { MetricTags } from '@temporalio/common';
import type { RunEvent } from '../../src/contracts/interaction-schemas';
import { AgentMetrics, errorFamily, type Instruments, type MetricsStart } from '../../src/workflows/agent/agent-metrics';

/** Instruments that keep every value they are given, by metric name and labels. */
function recording(): { instruments: Instruments; values: Map<string, number> } {
  const values = new Map<string, number>();
  const key = (name: string, tags: MetricTags = {}) => `${name}${JSON.stringify(Object.entries(tags).sort())}`;
  const add = (name: string) => (value: number, tags?: MetricTags) => values.set(key(name, tags), (values.get(key(name, tags)) ?? 0) + value);
  const instruments: Instruments = {
    counter: (name) => ({ name, kind: 'counter', valueType: 'int', add: add(name), withTags: () => instruments.counter(name, '') }),
    histogram: (name, valueType) => ({ name, kind: 'histogram', valueType, record: add(`${name}_sum`), withTags: () => instruments.histogram(name, valueType, '') }),
  };
  return { instruments, values };
}

const at = (type: RunEvent['type'], fields: Partial<RunEvent> = {}): RunEvent => ({ offset: 0, at: 0, step: 1, type, ...fields });
const START: MetricsStart = { newRun: true, phase: 'running', approvals: [], questions: [], costUsd: () => undefined };

describe('agent metrics from run events', () => {
  it('error families are bounded by the catalogue', () => {
    expect(errorFamily('ToolTimeout')).toBe('ToolTimeout');
    expect(errorFamily('ModelInvocationError.RateLimited')).toBe('ModelInvocationError');
    expect(errorFamily('MyToolsOwnFailure-1234')).toBe('other');
    expect(errorFamily(undefined)).toBe('ToolFailed');
  });

  it('counts a run once, waits begun and ended, and closes open waits when the run ends', () => {
    const { instruments, values } = recording();
    const metrics = new AgentMetrics({ ...START, costUsd: () => 0.5 }, instruments);
    metrics.observe(at('step_started'), 'running');
    metrics.modelAnswered('gpt-x');
    metrics.observe(at('plan_done', { inputTokens: 100, outputTokens: 10, costUsd: 0.25 }), 'running');
    metrics.observe(at('call_finished', { callId: 'a', tool: 'http_get', ok: false, errorType: 'ToolTimeout', durationMs: 30_000 }), 'running');
    metrics.observe(at('approval_needed', { callId: 'b', tool: 'deploy' }), 'running');
    metrics.observe(at('approval_needed', { callId: 'b', tool: 'deploy' }), 'running');
    metrics.observe(at('question_asked', { callId: 'c' }), 'running');
    metrics.observe(at('question_answered', { callId: 'c' }), 'running');
    metrics.observe(at('run_ended', { detail: 'cancelled' }), 'running');
    expect(Object.fromEntries(values)).toEqual({
      'durable_agent_runs_started_total[]': 1,
      'durable_agent_steps_total[]': 1,
      'durable_agent_model_calls_total[["model","gpt-x"],["outcome","ok"]]': 1,
      'durable_agent_model_input_tokens_total[["model","gpt-x"]]': 100,
      'durable_agent_model_output_tokens_total[["model","gpt-x"]]': 10,
      'durable_agent_model_cost_microusd_total[["model","gpt-x"]]': 250_000,
      'durable_agent_tool_calls_total[["outcome","ToolTimeout"],["tool","http_get"]]': 1,
      'durable_agent_tool_call_duration_ms_sum[["outcome","ToolTimeout"],["tool","http_get"]]': 30_000,
      'durable_agent_waits_started_total[["kind","approval"]]': 1,
      'durable_agent_waits_started_total[["kind","question"]]': 1,
      'durable_agent_waits_ended_total[["kind","question"]]': 1,
      'durable_agent_waits_ended_total[["kind","approval"]]': 1,
      'durable_agent_runs_ended_total[["status","cancelled"]]': 1,
      'durable_agent_run_cost_usd_sum[]': 0.5,
    });
  });

  it('the next run of a chain counts no start, and ends the waits it carried', () => {
    const { instruments, values } = recording();
    const metrics = new AgentMetrics({ ...START, newRun: false, phase: 'waiting_for_budget', approvals: ['x'] }, instruments);
    metrics.observe(at('run_resumed'), 'waiting_for_budget');
    metrics.observe(at('approval_decided', { callId: 'x' }), 'running');
    expect(Object.fromEntries(values)).toEqual({
      'durable_agent_waits_ended_total[["kind","budget"]]': 1,
      'durable_agent_waits_ended_total[["kind","approval"]]': 1,
    });
    metrics.observe(at('budget_exhausted'), 'running');
    expect(values.get('durable_agent_budget_pauses_total[]')).toBe(1);
    expect(values.get('durable_agent_waits_started_total[["kind","budget"]]')).toBe(1);
  });
});
