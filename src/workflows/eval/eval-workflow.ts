import { ApplicationFailure, ChildWorkflowFailure, executeChild, ParentClosePolicy, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { evalProgressQuery, type AgentWorkflow } from '../../contracts/definitions';
import { EvalWorkflowInputSchema, type CheckCaseRequest, type CheckCaseResult, type EvalCaseResult, type EvalReport, type EvalVariant, type EvalWorkflowInput, type ResolvedEvalCase } from '../../contracts/eval';
import type { AgentRunInput } from '../../contracts/run-input';
import type { AgentRunResult } from '../../contracts/run-result';
import type { AgentWorkflowInput } from '../../contracts/workflow-input';
import { judgeGoal, judgeScore } from '../../core/eval-checks';
import { summarizeEval } from '../../core/eval-summary';
import { describeIssues } from '../../core/zod-issues';
import { Semaphore } from '../agent/semaphore';

/** The activity that runs a case's checks (src/activities/eval-activities.ts). */
const { evalCheckCase } = proxyActivities<{ evalCheckCase(request: CheckCaseRequest): Promise<CheckCaseResult> }>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 5 } });

/** Steps a judge run may take: one answer, no tools. */
const JUDGE_MAX_STEPS = 1;

/** A case's run under a variant: the case's goal (and recording) with the variant's settings. */
function caseInput(entry: ResolvedEvalCase, variant: EvalVariant, flags: Pick<AgentWorkflowInput, 'searchAttributes' | 'costAttribute'>): AgentWorkflowInput {
  const { name: _name, ...settings } = variant;
  return { goal: entry.goal, ...settings, ...(entry.recordedTools ? { recordedTools: entry.recordedTools } : {}), ...flags };
}

/** Runs a child agent run to its result; a run that failed as a workflow becomes a `failed` result, not a failed eval. */
async function runChild(workflowId: string, input: AgentWorkflowInput, taskQueue: string | undefined, summary: string): Promise<AgentRunResult> {
  try {
    return await executeChild<AgentWorkflow>('agentWorkflow', {
      workflowId,
      args: [input],
      ...(taskQueue ? { taskQueue } : {}),
      // Cancelling or terminating the eval cancels its case runs: none outlives it.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: summary.length > 200 ? `${summary.slice(0, 199)}…` : summary,
    });
  } catch (error) {
    if (!(error instanceof ChildWorkflowFailure)) throw error;
    const message = error.cause?.message ?? error.message;
    return { status: 'failed', answer: `The run failed: ${message}`, steps: 0, usage: { inputTokens: 0, outputTokens: 0, modelCalls: 0 }, toolCalls: { ok: 0, failed: 0 }, error: { type: 'RunFailed', message } };
  }
}

/**
 * The eval (docs/evals.md): every case of the suite under every variant, as child agent runs under a concurrency cap,
 * each checked once it ended (its rubric checks judged by a run of their own). Durable: a worker that dies mid-eval
 * leaves the finished case runs in history, and the next worker goes on from there without running them again.
 */
export async function evalWorkflow(rawInput: EvalWorkflowInput): Promise<EvalReport> {
  const parsed = EvalWorkflowInputSchema.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid eval input: ${describeIssues(parsed.error)}`, 'EvalInputInvalid');
  const input = parsed.data;
  const evalId = workflowInfo().workflowId;
  const startedAt = new Date(Date.now()).toISOString();
  const flags = { ...(input.searchAttributes ? { searchAttributes: true } : {}), ...(input.costAttribute ? { costAttribute: true } : {}) };
  const pairs = input.cases.flatMap((entry) => input.variants.map((variant) => ({ entry, variant })));
  const results: EvalCaseResult[] = [];
  let running = 0;
  setHandler(evalProgressQuery, () => ({ total: pairs.length, done: results.length, running, results }));

  const semaphore = new Semaphore(input.concurrency);
  const runCase = async ({ entry, variant }: (typeof pairs)[number]): Promise<EvalCaseResult> => {
    const workflowId = `${evalId}.${entry.id}.${variant.name}`;
    const started = Date.now();
    running += 1;
    const result = await runChild(workflowId, caseInput(entry, variant, flags), input.taskQueue, `eval ${input.suite} · ${entry.id} · ${variant.name}: ${entry.goal}`);
    const wallMs = Date.now() - started;
    // Rubric checks: a judge run each (no tools, one answer), durable and budgeted like any run.
    const rubricScores = await Promise.all(
      entry.checks.flatMap((check, index) => {
        if (!('rubric' in check)) return [];
        const judge: AgentRunInput = { goal: judgeGoal(check.rubric, entry.goal, result.answer), allowedTools: [], maxSteps: JUDGE_MAX_STEPS, ...(check.model ?? variant.model ? { model: check.model ?? variant.model } : {}) };
        return [runChild(`${workflowId}.judge-${index + 1}`, { ...judge, ...flags }, input.taskQueue, `judge ${index + 1} of ${entry.id} · ${variant.name}`).then((judged) => ({ index, ...judgeScore(judged.answer) }))];
      }),
    );
    const tokens = result.usage.inputTokens + result.usage.outputTokens;
    const checked = await evalCheckCase({ workflowId, answer: result.answer, steps: result.steps, tokens, ...(result.usage.costUsd !== undefined ? { costUsd: result.usage.costUsd } : {}), wallMs, checks: entry.checks, rubricScores });
    running -= 1;
    return { caseId: entry.id, variant: variant.name, workflowId, status: result.status, answer: result.answer, ...checked, steps: result.steps, tokens, ...(result.usage.costUsd !== undefined ? { costUsd: result.usage.costUsd } : {}), wallMs };
  };
  await Promise.all(pairs.map((pair) => semaphore.withPermit(async () => results.push(await runCase(pair)))));
  // In the suite's order (cases, then variants), whatever order they finished in.
  const order = new Map(pairs.map(({ entry, variant }, index) => [`${entry.id}\u0000${variant.name}`, index]));
  results.sort((a, b) => (order.get(`${a.caseId}\u0000${a.variant}`) ?? 0) - (order.get(`${b.caseId}\u0000${b.variant}`) ?? 0));
  const variants = input.variants.map((variant) => variant.name);
  return { evalId, suite: input.suite, variants, startedAt, endedAt: new Date(Date.now()).toISOString(), results, summary: summarizeEval(variants, results) };
}
