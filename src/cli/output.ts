import colors from 'picocolors';
import type { AgentRunResult, AgentState, RunDescription } from '../client';
import { counted } from '../core/words';

const STATUS_COLORS: Record<string, (text: string) => string> = {
  final: colors.green,
  running: colors.yellow,
  terminated: colors.red,
  timed_out: colors.red,
  max_steps: colors.yellow,
  budget_exceeded: colors.yellow,
  cancelled: colors.yellow,
  failed: colors.red,
};

function paint(status: string | undefined): string {
  if (!status) return '-';
  return (STATUS_COLORS[status] ?? ((text: string) => text))(status);
}

/** `run` and `result`: the answer, the figures, the link. JSON: the AgentRunResult plus `workflowId` and `runUrl`. */
export function printRunResult(result: AgentRunResult, context: { workflowId: string; runUrl?: string; json: boolean }): void {
  if (context.json) {
    process.stdout.write(`${JSON.stringify({ workflowId: context.workflowId, ...(context.runUrl ? { runUrl: context.runUrl } : {}), ...result })}\n`);
    return;
  }
  const { usage, toolCalls } = result;
  process.stdout.write(
    `\n${colors.bold('Answer')}\n${result.answer}\n\n` +
      `status ${paint(result.status)} · ${counted(result.steps, 'step')} · tools ${toolCalls.ok} ok / ${toolCalls.failed} failed · ` +
      `${usage.inputTokens} input + ${usage.outputTokens} output tokens in ${counted(usage.modelCalls, 'model call')}` +
      // The cost when the worker knows the model's price (docs/observability.md#cost-per-run).
      `${usage.costUsd !== undefined ? ` · ${usdWords(usage.costUsd)}` : ''}\n` +
      // A failed run's answer already tells its error: the type is said once more only when the answer lacks it.
      (result.error && !result.answer.includes(result.error.message) ? `${colors.red(`error ${result.error.type}`)}: ${result.error.message}\n` : '') +
      (context.runUrl ? `Temporal UI: ${context.runUrl}\n` : ''),
  );
}

/** What `status` reports. */
export interface StatusReport {
  workflowId: string;
  executionStatus: string;
  agentStatus?: string;
  step?: number;
  maxSteps?: number;
  /** A session: turns answered, and the steps of the current turn (the step cap counts per turn). */
  session?: AgentState['session'];
  pending?: AgentState['pending'];
  usage?: AgentState['usage'];
  toolCalls?: AgentState['toolCalls'];
  answer?: string;
  /** For a running run: true when a worker answered the live-state query, false when only the server's view is shown. */
  live?: boolean;
  /** For a run waiting for people: the calls awaiting a decision and the open questions. */
  waitingFor?: { approvals: Array<{ callId: string; tool: string }>; questions: Array<{ questionId: string; question: string }> };
  /** Sub-agents under the run that wait for people, the most pressing first (the run's status is the first one's). */
  subAgentWaits?: Array<{ path: string; agents: string[]; workflowId: string; status: string; usage: AgentState['usage']; budget?: AgentState['budget'] }>;
  runUrl?: string;
  /** A fork: the run it was forked from, and the step (from its memo), and the original's page in the UI. */
  forkOf?: string;
  forkedAtStep?: number;
  forkOfUrl?: string;
}

/**
 * Where the run is in its step cap. A session's cap counts per turn, so it shows the turn's steps against the cap and
 * the session's total apart ("turn 3 · step 2/10 · 12 steps in all"), never a total above the cap.
 */
function stepLine(report: StatusReport): string {
  const cap = report.maxSteps ? `/${report.maxSteps}` : '';
  if (!report.session) return `step ${report.step ?? '-'}${cap}`;
  const { turnsAnswered, turnStep } = report.session;
  const total = report.step !== undefined ? ` · ${counted(report.step, 'step')} in all` : '';
  if (report.agentStatus === 'idle') return `${counted(turnsAnswered, 'turn')} answered${total}`;
  return `turn ${turnsAnswered + 1} · step ${turnStep}${cap}${total}`;
}

/** A cost in USD as `status` shows it (as the UI's details do): `$1.25`, `$0.0123`, `<$0.0001`. */
export function usdWords(cost: number): string {
  if (cost > 0 && cost < 0.00005) return '<$0.0001';
  return `$${cost.toFixed(cost >= 1 ? 2 : 4)}`;
}

/** What a waiting sub-agent's line adds: its budget against what it used, and the command that lets it go on. */
function subAgentHint(parent: string, child: NonNullable<StatusReport['subAgentWaits']>[number]): string {
  if (child.status !== 'waiting_for_budget') return '';
  const used = [
    child.budget?.maxTokens !== undefined ? `${child.usage.inputTokens + child.usage.outputTokens}/${child.budget.maxTokens} tokens` : '',
    child.budget?.maxCostUsd !== undefined ? `${usdWords(child.usage.costUsd ?? 0)}/${usdWords(child.budget.maxCostUsd)}` : '',
  ].filter(Boolean);
  return `${used.length ? ` · ${used.join(' · ')}` : ''} · durable-agent raise-budget ${parent} --tokens N | --usd N | --time D`;
}

/** `status`: one line per fact; JSON: the report as is (`usage.costUsd`: the cost when the worker knows the model's price). */
export function printStatus(report: StatusReport, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const lines = [
    `${report.workflowId}: ${paint(report.agentStatus)} (Temporal: ${report.executionStatus})`,
    stepLine(report) +
      (report.usage ? ` · ${report.usage.inputTokens + report.usage.outputTokens} tokens` : '') +
      (report.usage?.costUsd !== undefined ? ` · ${usdWords(report.usage.costUsd)}` : '') +
      (report.toolCalls ? ` · tools ${report.toolCalls.ok} ok / ${report.toolCalls.failed} failed` : ''),
    ...(report.forkOf ? [`forked from ${report.forkOf} at step ${report.forkedAtStep ?? '?'} · durable-agent status ${report.forkOf}${report.forkOfUrl ? ` · ${report.forkOfUrl}` : ''}`] : []),
    ...(report.pending ?? []).map((call) => `  running: ${call.tool} (${call.id})`),
    ...(report.subAgentWaits ?? []).map((child) => `  sub-agent ${child.path} (${child.agents.join(' → ')}) is ${paint(child.status)}${subAgentHint(report.workflowId, child)}`),
    ...(report.waitingFor?.approvals ?? []).map(
      (call) => `  awaiting a decision: ${call.tool} (${call.callId}) · durable-agent approve ${report.workflowId} ${call.callId} | durable-agent deny ${report.workflowId} ${call.callId}`,
    ),
    ...(report.waitingFor?.questions ?? []).map(
      (question) => `  awaiting an answer: ${question.question.slice(0, 120)} · durable-agent reply ${report.workflowId} "…"${question.questionId.includes('/') ? ` --question ${question.questionId}` : ''}`,
    ),
    ...(report.answer ? [`answer: ${report.answer}`] : []),
    ...(report.runUrl ? [`Temporal UI: ${report.runUrl}`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Characters of a goal the `list` table shows (`--json` has the `AgentGoal` attribute's whole 100). */
const LIST_GOAL_CHARS = 48;

function shortGoal(goal: string | undefined): string {
  if (!goal) return '-';
  return goal.length > LIST_GOAL_CHARS ? `${goal.slice(0, LIST_GOAL_CHARS - 1)}…` : goal;
}

/** `list`: a table, newest first, or a JSON array with `--json`. */
export function printRunList(runs: RunDescription[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(runs)}\n`);
    return;
  }
  if (runs.length === 0) {
    process.stdout.write('No agent runs found.\n');
    return;
  }
  const rows = runs.map((run) => [
    run.workflowId,
    run.agentStatus ?? run.executionStatus.toLowerCase(),
    String(run.step ?? '-'),
    String((run.inputTokens ?? 0) + (run.outputTokens ?? 0)),
    run.costUsd !== undefined ? usdWords(run.costUsd) : '-',
    run.startTime.toISOString().replace('T', ' ').slice(0, 19),
    // A fork says whose (docs/forks.md): its step is in `status`.
    run.forkOf ? `(fork of ${run.forkOf}) ${shortGoal(run.goal)}` : shortGoal(run.goal),
  ]);
  const header = ['ID', 'STATUS', 'STEP', 'TOKENS', 'COST', 'STARTED (UTC)', 'GOAL'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`${[format(header), ...rows.map(format)].join('\n')}\n`);
}
