import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES } from '../../src/cli/exit-codes';
import type { EvalReport, EvalSuiteInput } from '../../src/contracts/eval';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { cliEnvironment, runCli, STACK_TRACE, type CliResult } from '../helpers/cli';
import { withTestWorker } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';

/** Variant `a` calls `sleep`, then answers `{"n": 2, "text": "four"}`; variant `b` answers `{"n": 3}` at once. */
const SCRIPTS = {
  a: { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'x', ms: 10 } }] }, { content: '{"n": 2, "text": "four"}' }] },
  b: { turns: [{ content: 'Here it is:\n```json\n{"n": 3}\n```' }] },
};

const VARIANTS = [
  { name: 'a', model: 'model-a' },
  { name: 'b', model: 'model-b' },
];

/** `says-text` passes under a only, `n-is-three` under b only: one case improves under b, one regresses. */
const MIXED: EvalSuiteInput = {
  name: 'mixed',
  variants: VARIANTS,
  cases: [
    { id: 'says-text', goal: 'Give the text', checks: [{ answerContains: 'text' }, { toolCalled: 'sleep', arguments: { label: 'x' } }] },
    { id: 'n-is-three', goal: 'Say n is three', checks: [{ jsonPointer: '/n', equals: 3 }] },
  ],
};

/** Passes under both variants. */
const PASSING: EvalSuiteInput = { name: 'passing', variants: VARIANTS, cases: [{ id: 'has-n', goal: 'Give n', checks: [{ answerMatches: '"n": [23]' }] }] };

/** The UI address the CLI links runs to: set, so the links are known whatever the test server records. */
const UI_URL = 'http://ui.eval.test:8080';

function expectCleanError(result: CliResult, code: number, message: string | RegExp): void {
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code, stdout: '' });
  if (typeof message === 'string') expect(result.stderr).toContain(message);
  else expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(STACK_TRACE);
}

/** `durable-agent eval SUITE.json` as a user runs it (docs/evals.md). */
describe('durable-agent eval', () => {
  jest.setTimeout(240_000);

  it('runs a suite, prints the table and the comparison, writes the HTML report, exits 1 on a failed case and 0 when all pass', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'eval-cli-'));
    const file = (name: string, content: unknown) => {
      const path = join(folder, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return path;
    };
    const [mixed, passing] = [file('mixed.json', MIXED), file('passing.json', PASSING)];
    const html = join(folder, 'report.html');
    const model = await startScriptedModel(compileScript(SCRIPTS.a), {
      scriptsByModel: new Map([
        ['model-a', compileScript(SCRIPTS.a)],
        ['model-b', compileScript(SCRIPTS.b)],
      ]),
    });
    try {
      await withTestWorker(
        'eval-cli',
        async ({ taskQueue }) => {
          const env = { ...cliEnvironment(taskQueue), TEMPORAL_UI_URL: UI_URL };
          const evalId = `${taskQueue}-mixed`;
          // Three evals at once: the text report with HTML, one that passes, one as JSON.
          const [shown, passed, json] = await Promise.all([
            runCli(['eval', mixed, '--html', html, '--id', evalId, '--concurrency', '4'], env, 150_000),
            runCli(['eval', passing], env, 150_000),
            runCli(['eval', mixed, '--variants', 'b', '--json'], env, 150_000),
          ]);

          // Some case failed: exit 1; the table has a row per case and a summary line per variant, then the comparison.
          expect({ code: shown.code, stderr: shown.stderr }).toEqual({ code: EXIT_CODES.runNotFinal, stderr: expect.stringContaining(`Eval ${evalId} started: ${UI_URL}/namespaces/default/workflows/${evalId}`) as unknown });
          expect(shown.stderr).toContain(`HTML report: ${html}`);
          expect(shown.stdout).toContain(`Eval mixed · ${evalId} · 2 cases × 2 variants`);
          expect(shown.stdout).toMatch(/^says-text\s+PASS\s+1\.00\s+-\s+2\s+FAIL\s+0\.00\s+-\s+1$/m);
          expect(shown.stdout).toMatch(/^n-is-three\s+FAIL\s+0\.00\s+-\s+2\s+PASS\s+1\.00\s+-\s+1$/m);
          expect(shown.stdout).toMatch(/^a\s+1\/2 passed · mean score 0\.50 · cost unknown · [\d,]+ tokens · /m);
          expect(shown.stdout).toMatch(/^b\s+1\/2 passed · mean score 0\.50 · cost unknown · [\d,]+ tokens · /m);
          expect(shown.stdout).toContain('Failing checks (3)');
          expect(shown.stdout).toContain('n-is-three · a · /n equals "3" · found "2"');
          expect(shown.stdout).toContain('b against a: 1 improved, 1 regressed, 0 unchanged · mean score ±0.00');
          expect(shown.stdout).toContain('Improved under b: n-is-three (fail → pass)');
          expect(shown.stdout).toContain('Regressed under b: says-text (pass → fail: answer contains "text": answer was ');
          expect(shown.stderr).not.toMatch(STACK_TRACE);

          // The HTML report: each case, and a link to each of the four runs.
          expect(existsSync(html)).toBe(true);
          const page = readFileSync(html, 'utf8');
          for (const caseId of ['says-text', 'n-is-three']) {
            expect(page).toContain(`<th class="case">${caseId}</th>`);
            for (const variant of ['a', 'b']) expect(page).toContain(`href="${UI_URL}/namespaces/default/workflows/${evalId}.${caseId}.${variant}"`);
          }
          expect(page.match(/<a class="run" href=/g)).toHaveLength(4);

          // Every case passed under every variant: exit 0, nothing failing.
          expect({ code: passed.code, stderr: passed.stderr }).toEqual({ code: EXIT_CODES.ok, stderr: expect.not.stringMatching(STACK_TRACE) as unknown });
          expect(passed.stdout).toMatch(/^has-n\s+PASS\s+1\.00\s+.*PASS\s+1\.00/m);
          expect(passed.stdout).toMatch(/^a\s+1\/1 passed/m);
          expect(passed.stdout).toMatch(/^b\s+1\/1 passed/m);
          expect(passed.stdout).not.toContain('Failing checks');
          expect(passed.stdout).toContain('b against a: 0 improved, 0 regressed, 1 unchanged');

          // --json: the EvalReport alone on stdout, of the chosen variant only.
          expect(json.code).toBe(EXIT_CODES.runNotFinal);
          const report = JSON.parse(json.stdout) as EvalReport;
          expect(report).toMatchObject({ suite: 'mixed', variants: ['b'], summary: [{ variant: 'b', cases: 2, passed: 1, score: 0.5 }] });
          expect(report.results.map((result) => [result.caseId, result.variant, result.pass, result.status])).toEqual([
            ['says-text', 'b', false, 'final'],
            ['n-is-three', 'b', true, 'final'],
          ]);
          expect(report.results[1]).toMatchObject({ workflowId: `${report.evalId}.n-is-three.b`, answer: SCRIPTS.b.turns[0]!.content, checks: [{ check: '/n equals "3"', pass: true, detail: 'found "3"' }], steps: 1 });
          expect(Date.parse(report.endedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));

          // Bad input: a clear message, exit 2, no stack trace, and no eval started.
          const invalid = file('invalid.json', { name: 'bad', cases: [{ id: 'a', goal: 'g', fromRun: 'agent-1', checks: [{ answerContains: 'x' }] }, { id: 'b', goal: 'g', checks: [{ answerContainz: 'x' }] }] });
          const problems = await Promise.all([
            runCli(['eval', join(folder, 'missing.json')], env),
            runCli(['eval', file('not-json.json', '{"name": "broken",')], env),
            runCli(['eval', invalid], env),
            runCli(['eval', mixed, '--variants', 'a,c'], env),
            runCli(['eval', mixed, '--compare', 'a'], env),
            runCli(['eval', mixed, '--variants', 'b', '--compare', 'a,b'], env),
          ]);
          const [missing, notJson, invalidSuite, unknownVariant, oneName, notRun] = problems;
          expectCleanError(missing, EXIT_CODES.usage, `Cannot read the suite ${join(folder, 'missing.json')}: ENOENT`);
          expectCleanError(notJson, EXIT_CODES.usage, `The suite ${join(folder, 'not-json.json')} is not JSON (`);
          expectCleanError(invalidSuite, EXIT_CODES.usage, 'invalid eval suite: cases.0: a case has a goal or a fromRun (one of them, not both); cases.1.checks.0: not a check (answerContainz)');
          expectCleanError(unknownVariant, EXIT_CODES.usage, 'the suite has no variant "c": it has a, b');
          expectCleanError(oneName, EXIT_CODES.usage, '--compare takes two variant names: --compare a,b');
          expectCleanError(notRun, EXIT_CODES.usage, '--compare names two variants the eval runs (b), got "a"');
          for (const problem of problems) expect(problem.stderr).not.toContain('started');
        },
        { tools: createTestTools().tools, model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 } },
      );
    } finally {
      await model.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
