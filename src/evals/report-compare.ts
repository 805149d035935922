import type { EvalCaseResult, EvalReport, EvalVariantSummary } from '../contracts/eval';

/**
 * How two variants of one eval differ, case by case. Pure: no I/O. The table (report-table.ts) and the HTML page
 * (report-html.ts) show the same comparison this module computes.
 */

/** Scores closer than this are equal: a mean of thirds must not read as a change. */
const SCORE_EPSILON = 1e-9;

/** One case whose outcome changed from variant `a` to variant `b`. */
export interface CaseChange {
  caseId: string;
  direction: 'improved' | 'regressed';
  /** What changed, as a person reads it: `pass → fail: answer contains "42"`, `score 0.50 → 0.75`. */
  detail: string;
}

/** What `compareVariants` gives: the cases that improved or regressed under `b`, and how the totals moved. */
export interface VariantComparison {
  improved: string[];
  regressed: string[];
  /** Cases run under both variants whose pass and score are the same. */
  unchanged: number;
  /** `b`'s mean score minus `a`'s. */
  scoreDelta: number;
  /** `b`'s total cost minus `a`'s, when both are known. */
  costDelta?: number;
}

/** The cases in the order the report first lists them. */
export function caseIds(report: EvalReport): string[] {
  return [...new Set(report.results.map((result) => result.caseId))];
}

/** The result of one case under one variant, if it ran. */
export function resultOf(report: EvalReport, caseId: string, variant: string): EvalCaseResult | undefined {
  return report.results.find((result) => result.caseId === caseId && result.variant === variant);
}

/** A variant's totals: the report's summary, or, when it lacks the variant, the sums of its results. */
export function summaryOf(report: EvalReport, variant: string): EvalVariantSummary {
  const given = report.summary.find((summary) => summary.variant === variant);
  if (given) return given;
  const results = report.results.filter((result) => result.variant === variant);
  const costs = results.map((result) => result.costUsd);
  return {
    variant,
    cases: results.length,
    passed: results.filter((result) => result.pass).length,
    score: results.length === 0 ? 0 : results.reduce((sum, result) => sum + result.score, 0) / results.length,
    ...(costs.length > 0 && costs.every((cost) => cost !== undefined) ? { costUsd: costs.reduce((sum, cost) => sum + cost, 0) } : {}),
    tokens: results.reduce((sum, result) => sum + result.tokens, 0),
    wallMs: results.reduce((sum, result) => sum + result.wallMs, 0),
  };
}

/** The checks of a result that failed, as `check: detail` (or the check alone). */
export function failedChecks(result: EvalCaseResult): string[] {
  return result.checks.filter((check) => !check.pass).map((check) => (check.detail ? `${check.check}: ${check.detail}` : check.check));
}

/**
 * Every case run under both variants whose pass or score changed. A change of pass decides the direction; with the same
 * pass, the score does. A regression names the checks that failed under `b` (the reason a person looks first).
 */
export function caseChanges(report: EvalReport, a: string, b: string): CaseChange[] {
  const changes: CaseChange[] = [];
  for (const caseId of caseIds(report)) {
    const [before, after] = [resultOf(report, caseId, a), resultOf(report, caseId, b)];
    if (!before || !after) continue;
    const scores = `score ${before.score.toFixed(2)} → ${after.score.toFixed(2)}`;
    if (before.pass !== after.pass) {
      const failing = failedChecks(after);
      const detail = after.pass ? 'fail → pass' : `pass → fail${failing.length > 0 ? `: ${failing.join('; ')}` : ''}`;
      changes.push({ caseId, direction: after.pass ? 'improved' : 'regressed', detail });
    } else if (Math.abs(after.score - before.score) > SCORE_EPSILON) {
      changes.push({ caseId, direction: after.score > before.score ? 'improved' : 'regressed', detail: scores });
    }
  }
  return changes;
}

/** The cases whose pass or score changed from variant `a` to variant `b`, and how the mean score and cost moved. */
export function compareVariants(report: EvalReport, a: string, b: string): VariantComparison {
  const changes = caseChanges(report, a, b);
  const both = caseIds(report).filter((caseId) => resultOf(report, caseId, a) && resultOf(report, caseId, b)).length;
  const [before, after] = [summaryOf(report, a), summaryOf(report, b)];
  return {
    improved: changes.filter((change) => change.direction === 'improved').map((change) => change.caseId),
    regressed: changes.filter((change) => change.direction === 'regressed').map((change) => change.caseId),
    unchanged: both - changes.length,
    scoreDelta: after.score - before.score,
    ...(before.costUsd !== undefined && after.costUsd !== undefined ? { costDelta: after.costUsd - before.costUsd } : {}),
  };
}

/** A signed figure: `+0.17`, `−0.08`, `±0.00`. */
export function signed(value: number, format: (magnitude: number) => string): string {
  if (Math.abs(value) <= SCORE_EPSILON) return `±${format(0)}`;
  return `${value > 0 ? '+' : '−'}${format(Math.abs(value))}`;
}

/** One line per change of pass or score (`compareVariants`), with a headline of the totals:
 * ```
 * B against A: 1 improved, 1 regressed, 1 unchanged · mean score −0.17 · cost −$0.0040
 * Improved under B: case-2 (fail → pass)
 * Regressed under B: case-3 (pass → fail: answer contains "42")
 * ```
 */
export function comparisonText(report: EvalReport, a: string, b: string): string {
  const comparison = compareVariants(report, a, b);
  const changes = caseChanges(report, a, b);
  const headline =
    `${b} against ${a}: ${comparison.improved.length} improved, ${comparison.regressed.length} regressed, ${comparison.unchanged} unchanged` +
    ` · mean score ${signed(comparison.scoreDelta, (magnitude) => magnitude.toFixed(2))}` +
    (comparison.costDelta !== undefined ? ` · cost ${signed(comparison.costDelta, (magnitude) => `$${magnitude.toFixed(4)}`)}` : '');
  const listed = (direction: CaseChange['direction'], title: string) => {
    const items = changes.filter((change) => change.direction === direction);
    return items.length === 0 ? [] : [`${title} under ${b}: ${items.map((change) => `${change.caseId} (${change.detail})`).join(', ')}`];
  };
  return [headline, ...listed('improved', 'Improved'), ...listed('regressed', 'Regressed')].join('\n');
}
