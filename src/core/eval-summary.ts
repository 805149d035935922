import type { EvalCaseResult, EvalVariantSummary } from '../contracts/eval';

/** Each variant's totals over its case results, in the order of `variants`. */
export function summarizeEval(variants: readonly string[], results: readonly EvalCaseResult[]): EvalVariantSummary[] {
  return variants.map((variant) => {
    const mine = results.filter((result) => result.variant === variant);
    const costs = mine.flatMap((result) => (result.costUsd !== undefined ? [result.costUsd] : []));
    return {
      variant,
      cases: mine.length,
      passed: mine.filter((result) => result.pass).length,
      score: mine.reduce((sum, result) => sum + result.score, 0) / Math.max(1, mine.length),
      ...(costs.length ? { costUsd: costs.reduce((sum, cost) => sum + cost, 0) } : {}),
      tokens: mine.reduce((sum, result) => sum + result.tokens, 0),
      wallMs: mine.reduce((sum, result) => sum + result.wallMs, 0),
    };
  });
}
