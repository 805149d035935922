import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EvalCaseResult, EvalCheckResult, EvalReport } from '../../src/contracts/eval';
import { compareVariants, comparisonText, summaryOf } from '../../src/evals/report-compare';
import { evalHtml } from '../../src/evals/report-html';
import { evalTable } from '../../src/evals/report-table';

function result(caseId: string, variant: string, checks: EvalCheckResult[], figures: Partial<EvalCaseResult> = {}): EvalCaseResult {
  const passed = checks.filter((check) => check.pass).length;
  return {
    caseId,
    variant,
    workflowId: `eval-1-${caseId}-${variant}`,
    status: 'final',
    answer: 'The answer is 42.',
    pass: passed === checks.length,
    score: passed / checks.length,
    checks,
    steps: 3,
    tokens: 1200,
    costUsd: 0.0021,
    wallMs: 4200,
    ...figures,
  };
}

const contains42 = (pass: boolean): EvalCheckResult => ({ check: 'answer contains "42"', pass, ...(pass ? {} : { detail: 'answer was "41"' }) });
const calledSearch = (pass: boolean): EvalCheckResult => ({ check: 'tool search called', pass, ...(pass ? {} : { detail: 'called: <script>alert(1)</script>' }) });

function report(results: EvalCaseResult[], variants: string[], summary: EvalReport['summary'] = []): EvalReport {
  return { evalId: 'eval-1', suite: 'arithmetic', variants, startedAt: '2026-03-01T09:30:00.000Z', endedAt: '2026-03-01T09:31:12.000Z', results, summary };
}

/** 3 cases × 2 variants: `capital` passes under both, `sum` improves under B, `lookup` regresses under B. */
const threeByTwo = report(
  [
    result('capital', 'A', [contains42(true), calledSearch(true)]),
    result('capital', 'B', [contains42(true), calledSearch(true)], { costUsd: 0.0011, steps: 2 }),
    result('sum', 'A', [contains42(false), calledSearch(true)], { answer: 'It is 41.', steps: 5 }),
    result('sum', 'B', [contains42(true), calledSearch(true)], { costUsd: 0.0015 }),
    result('lookup', 'A', [contains42(true), calledSearch(true)]),
    result('lookup', 'B', [contains42(true), calledSearch(false)], { answer: '<script>alert("x")</script>', costUsd: 0.0009, steps: 1 }),
  ],
  ['A', 'B'],
);

describe('evalTable', () => {
  const lines = evalTable(threeByTwo).split('\n');

  it('has one row per case with each variant’s result, score, cost and steps', () => {
    const row = (caseId: string) => (lines.find((line) => line.startsWith(`${caseId} `)) ?? '').split(/\s+/);
    expect(row('capital')).toEqual(['capital', 'PASS', '1.00', '$0.0021', '3', 'PASS', '1.00', '$0.0011', '2']);
    expect(row('sum')).toEqual(['sum', 'FAIL', '0.50', '$0.0021', '5', 'PASS', '1.00', '$0.0015', '3']);
    expect(row('lookup')).toEqual(['lookup', 'PASS', '1.00', '$0.0021', '3', 'FAIL', '0.50', '$0.0009', '1']);
    expect(lines.some((line) => /^CASE\s+RESULT\s+SCORE\s+COST\s+STEPS\s+RESULT/.test(line))).toBe(true);
    expect(lines.every((line) => line.length <= 120)).toBe(true);
  });

  it('sums each variant up and lists the failing checks under the table', () => {
    expect(lines).toContain('A  2/3 passed · mean score 0.83 · $0.0063 · 3,600 tokens · 12.6 s');
    expect(lines).toContain('B  2/3 passed · mean score 0.83 · $0.0035 · 3,600 tokens · 12.6 s');
    expect(lines).toContain('  sum · A · answer contains "42" · answer was "41"');
    expect(lines).toContain('  lookup · B · tool search called · called: <script>alert(1)</script>');
    expect(evalTable(threeByTwo, { color: true })).toContain('\u001b[32mPASS');
    expect(evalTable(threeByTwo)).not.toContain('\u001b[');
  });

  it('lists at most 20 failing checks, then how many more', () => {
    const many = report(Array.from({ length: 30 }, (_, index) => result(`case-${index}`, 'A', [contains42(false)])), ['A']);
    const text = evalTable(many);
    expect(text.split('\n').filter((line) => line.includes(' · A · answer contains'))).toHaveLength(19);
    expect(text).toContain('  … and 11 more');
  });
});

describe('compareVariants', () => {
  it('names the cases that improved and regressed from A to B', () => {
    expect(compareVariants(threeByTwo, 'A', 'B')).toEqual({ improved: ['sum'], regressed: ['lookup'], unchanged: 1, scoreDelta: 0, costDelta: expect.closeTo(-0.0028, 6) });
    expect(compareVariants(threeByTwo, 'B', 'A')).toMatchObject({ improved: ['lookup'], regressed: ['sum'] });
  });

  it('counts a change of score with the same verdict, and says what changed', () => {
    const scored = report([result('essay', 'A', [contains42(true), calledSearch(false)]), result('essay', 'B', [contains42(false), calledSearch(false)])], ['A', 'B']);
    expect(compareVariants(scored, 'A', 'B')).toMatchObject({ improved: [], regressed: ['essay'], unchanged: 0, scoreDelta: -0.5 });
    expect(comparisonText(scored, 'A', 'B')).toContain('Regressed under B: essay (score 0.50 → 0.00)');
  });

  it('words the comparison', () => {
    expect(comparisonText(threeByTwo, 'A', 'B').split('\n')).toEqual([
      'B against A: 1 improved, 1 regressed, 1 unchanged · mean score ±0.00 · cost −$0.0028',
      'Improved under B: sum (fail → pass)',
      'Regressed under B: lookup (pass → fail: tool search called: called: <script>alert(1)</script>)',
    ]);
  });

  it('takes the report’s summary when it has one', () => {
    const given = report(threeByTwo.results, ['A', 'B'], [{ variant: 'A', cases: 3, passed: 3, score: 1, tokens: 9, wallMs: 1 }]);
    expect(summaryOf(given, 'A')).toMatchObject({ passed: 3, score: 1 });
    expect(summaryOf(given, 'B')).toMatchObject({ passed: 2, costUsd: expect.closeTo(0.0035, 6) });
  });
});

describe('evalHtml', () => {
  const runUrl = (workflowId: string) => `http://localhost:8233/namespaces/default/workflows/${workflowId}`;
  const html = evalHtml(threeByTwo, { runUrl });

  it('escapes every text of the report', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(html).toContain('called: &#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('has one matrix row per case and one chart point per variant', () => {
    const body = /<tbody>([\s\S]*)<\/tbody>/.exec(html)?.[1] ?? '';
    expect([...body.matchAll(/<th class="case">(.*?)<\/th>/g)].map((match) => match[1])).toEqual(['capital', 'sum', 'lookup']);
    expect([...body.matchAll(/<td class="cell (pass|fail)"/g)].map((match) => match[1])).toEqual(['pass', 'pass', 'fail', 'pass', 'pass', 'fail']);
    expect([...html.matchAll(/<g class="point" data-variant="([^"]*)"/g)].map((match) => match[1])).toEqual(['A', 'B']);
  });

  it('links each run when runUrl gives an address, and none otherwise', () => {
    const links = [...html.matchAll(/<a class="run" href="([^"]*)"/g)].map((match) => match[1]);
    expect(links).toHaveLength(6);
    expect(links).toContain(runUrl('eval-1-sum-B'));
    expect(evalHtml(threeByTwo)).not.toContain('<a class="run"');
    expect(evalHtml(threeByTwo, { runUrl: () => 'javascript:alert(1)' })).not.toContain('<a class="run"');
  });

  it('compares the first two variants, and draws a variant with no cost at $0 with a note', () => {
    expect(html).toContain('<code>lookup</code> pass → fail: tool search called');
    const noCost = report([result('capital', 'A', [contains42(true)]), result('capital', 'C', [contains42(true)], { costUsd: undefined })], ['A', 'C']);
    expect(evalHtml(noCost)).toMatch(/<circle cx="58" [^>]*fill="#fff"/);
    expect(evalHtml(noCost)).toContain('No cost known for C');
  });

  it('renders a sample report to test-artifacts/eval-report-sample.html', () => {
    const variants = ['gpt-4.1-mini', 'gpt-4.1', 'local-llama'];
    const cases = ['capital-of-france', 'sum-of-primes', 'weather-lookup', 'json-extract', 'refuse-rm-rf', 'summarize-log'];
    const results = cases.flatMap((caseId, row) =>
      variants.map((variant, column) => {
        const failing = (row * 7 + column * 3) % 5 === 0 && row > 0;
        const checks = [contains42(!failing), calledSearch(!(failing && column === 2)), { check: 'rubric: cites a source', pass: true, detail: 'score 0.9' }];
        const figures = { steps: 2 + ((row + column) % 5), costUsd: column === 2 ? undefined : (0.0008 + row * 0.0006) * (column + 1) * 2.5, tokens: 900 + row * 310 + column * 700, wallMs: 2100 + row * 900 + column * 1500 };
        return result(caseId, variant, checks, { ...figures, answer: failing ? 'It is 41. <script>alert(1)</script>' : 'The answer is 42, per the search result.' });
      }),
    );
    const sample = evalHtml(report(results, variants), { runUrl });
    const folder = resolve(__dirname, '../../test-artifacts');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'eval-report-sample.html'), sample);
    writeFileSync(join(folder, 'eval-report-sample.txt'), evalTable(report(results, variants)));
    expect(sample).toContain('No cost known for local-llama');
  });
});
