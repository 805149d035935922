import { Context } from '@temporalio/activity';
import type { CheckCaseRequest, CheckCaseResult } from '../contracts/eval';
import { runCheck } from '../core/eval-checks';
import { readToolCalls } from './recording';

/**
 * The eval's activity (docs/evals.md): runs a case's checks against its run. An activity, not workflow code, because
 * it reads the run's tool calls from its history and runs the suite's regular expressions, which a workflow task must
 * not (a pattern that backtracks for long would hold it).
 */
export function createEvalActivities() {
  return {
    async evalCheckCase(request: CheckCaseRequest): Promise<CheckCaseResult> {
      const needsCalls = request.checks.some((check) => 'toolCalled' in check || 'toolNotCalled' in check);
      const calls = needsCalls ? (await readToolCalls(Context.current().client, request.workflowId)).scheduled : [];
      const rubricScores = new Map(request.rubricScores.map(({ index, ...judged }) => [index, judged]));
      const results = request.checks.map((check, index) => runCheck(check, index, { ...request, calls, rubricScores }));
      const score = results.reduce((sum, result) => sum + result.score, 0) / Math.max(1, results.length);
      return { checks: results.map(({ score: _score, ...result }) => result), pass: results.every((result) => result.pass), score };
    },
  };
}
