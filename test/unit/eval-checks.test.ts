import { InvalidRunInputError } from '../../src/client';
import { chosenVariants, parseSuite } from '../../src/client/eval-run';
import type { EvalCaseResult, EvalCheck, EvalSuite, EvalSuiteInput } from '../../src/contracts/eval';
import { atPointer, checkName, jsonEqual, judgeScore, runCheck, type CheckedRun } from '../../src/core/eval-checks';
import { summarizeEval } from '../../src/core/eval-summary';

/** A run that answered `answer` in 3 steps, 1,200 tokens, $0.0021 and 4.2 s, after calling `search` once. */
function run(answer: string, overrides: Partial<CheckedRun> = {}): CheckedRun {
  return {
    answer,
    steps: 3,
    tokens: 1200,
    costUsd: 0.0021,
    wallMs: 4200,
    calls: [{ tool: 'search', input: { query: 'order 42', filters: { status: 'shipped', region: 'eu' }, limit: 5 } }],
    rubricScores: new Map(),
    ...overrides,
  };
}

/** A suite as the user writes it, parsed (defaults applied) for the functions that take an `EvalCheck`. */
const check = (written: Record<string, unknown>): EvalCheck => parseSuite({ name: 's', cases: [{ id: 'c', goal: 'g', checks: [written] }] }).cases[0]!.checks[0]!;

describe('checkName', () => {
  it('describes every kind of check, and prefers the check’s own name', () => {
    expect(
      [
        { answerEquals: 'yes' },
        { answerContains: 'shipped' },
        { answerMatches: 'root cause:.*disk', flags: 'i' },
        { answerMatches: '^\\d+$' },
        { jsonPointer: '/order/status', equals: 'shipped' },
        { jsonPointer: '', equals: { n: 1 } },
        { toolCalled: 'order_status' },
        { toolCalled: 'order_status', arguments: { orderId: '42' } },
        { toolNotCalled: 'refund' },
        { maxSteps: 4 },
        { maxTokens: 5000 },
        { maxCostUsd: 0.01 },
        { maxWallMs: 30000 },
        { rubric: 'Says used items cannot be returned, politely, and offers an exchange instead of a refund.' },
      ].map((written) => checkName(check(written))),
    ).toEqual([
      'answer equals "yes"',
      'answer contains "shipped"',
      'answer matches /root cause:.*disk/i',
      'answer matches /^\\d+$/',
      '/order/status equals "\\"shipped\\""',
      '(whole answer) equals "{\\"n\\":1}"',
      'tool order_status called',
      'tool order_status called with "{\\"orderId\\":\\"42\\"}"',
      'tool refund not called',
      'at most 4 steps',
      'at most 5000 tokens',
      'cost at most $0.01',
      'at most 30000 ms',
      'rubric "Says used items cannot be returned, pol…"',
    ]);
    expect(checkName(check({ name: 'polite refusal', rubric: 'Polite.' }))).toBe('polite refusal');
    expect(checkName(check({ name: 'says 42', answerContains: '42' }))).toBe('says 42');
  });

  it('cuts a long expected text to 60 characters', () => {
    const name = checkName(check({ answerContains: 'x'.repeat(100) }));
    expect(name).toBe(`answer contains "${'x'.repeat(59)}…"`);
  });
});

describe('atPointer (RFC 6901)', () => {
  const document = { a: [10, { b: 'deep' }], 'c/d': 1, 'e~f': 2, '': 'empty key', nothing: null, zero: 0 };

  it('finds the whole document, array items, nested keys and escaped keys', () => {
    expect(atPointer(document, '')).toEqual({ found: true, value: document });
    expect(atPointer(document, '/a/0')).toEqual({ found: true, value: 10 });
    expect(atPointer(document, '/a/1/b')).toEqual({ found: true, value: 'deep' });
    expect(atPointer(document, '/c~1d')).toEqual({ found: true, value: 1 });
    expect(atPointer(document, '/e~0f')).toEqual({ found: true, value: 2 });
    expect(atPointer(document, '/')).toEqual({ found: true, value: 'empty key' });
    // A found null or 0 is found, not missing.
    expect(atPointer(document, '/nothing')).toEqual({ found: true, value: null });
    expect(atPointer(document, '/zero')).toEqual({ found: true, value: 0 });
  });

  it('decodes ~01 as the key "~1", not "/" (~1 is replaced before ~0)', () => {
    expect(atPointer({ '~1': 'tilde-one', '/': 'slash' }, '/~01')).toEqual({ found: true, value: 'tilde-one' });
  });

  it('says not found for missing paths, paths through scalars, and pointers without a leading slash', () => {
    expect(atPointer(document, '/missing')).toEqual({ found: false });
    expect(atPointer(document, '/a/2')).toEqual({ found: false });
    expect(atPointer(document, '/a/1/b/c')).toEqual({ found: false });
    expect(atPointer(document, '/nothing/x')).toEqual({ found: false });
    expect(atPointer(document, 'a')).toEqual({ found: false });
    expect(atPointer(document, '/c/d')).toEqual({ found: false });
    // An array's own properties are not items; neither are inherited ones.
    expect(atPointer(document, '/a/length')).toEqual({ found: false });
    expect(atPointer(document, '/a/01')).toEqual({ found: false });
    expect(atPointer({}, '/toString')).toEqual({ found: false });
  });
});

describe('jsonEqual', () => {
  it('compares JSON values deeply, whatever the key order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(jsonEqual(null, null)).toBe(true);
    expect(jsonEqual('2', '2')).toBe(true);
    expect(jsonEqual([], [])).toBe(true);
  });

  it('tells different values, types, lengths and shapes apart', () => {
    expect(jsonEqual(2, '2')).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([1], [1, 1])).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({ 0: 'a' }, ['a'])).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual({ a: null }, { b: null })).toBe(false);
  });
});

describe('runCheck', () => {
  const outcome = (written: Record<string, unknown>, checked: CheckedRun, index = 0) => runCheck(check(written), index, checked);

  it('answerEquals compares trimmed answers', () => {
    expect(outcome({ answerEquals: 'yes' }, run('  yes\n'))).toEqual({ check: 'answer equals "yes"', pass: true, detail: 'answer was "  yes\\n"', score: 1 });
    expect(outcome({ answerEquals: 'yes' }, run('yes, it is'))).toMatchObject({ pass: false, score: 0, detail: 'answer was "yes, it is"' });
  });

  it('answerContains is case-sensitive, and its detail quotes a long answer cut short', () => {
    expect(outcome({ answerContains: 'shipped' }, run('Order 42 was shipped.'))).toMatchObject({ pass: true, score: 1 });
    const failed = outcome({ answerContains: 'shipped' }, run(`Order 42 was SHIPPED. ${'More text. '.repeat(20)}`));
    expect(failed).toMatchObject({ pass: false, score: 0 });
    expect(failed.detail).toMatch(/^answer was "Order 42 was SHIPPED\. .{37}…"$/);
  });

  it('answerMatches uses the flags; an invalid regular expression is a failed check that says so, not a throw', () => {
    expect(outcome({ answerMatches: 'root cause:.*disk', flags: 'i' }, run('Root Cause: a full DISK'))).toMatchObject({ pass: true });
    expect(outcome({ answerMatches: 'root cause:.*disk' }, run('Root Cause: a full DISK'))).toMatchObject({ pass: false, detail: 'answer was "Root Cause: a full DISK"' });
    const invalid = outcome({ answerMatches: '(unclosed' }, run('anything'));
    expect(invalid).toMatchObject({ check: 'answer matches /(unclosed/', pass: false, score: 0 });
    expect(invalid.detail).toMatch(/^not a regular expression: .*Unterminated group/);
  });

  it('jsonPointer reads the answer as JSON, or the JSON of a fenced block in it', () => {
    expect(outcome({ jsonPointer: '/n', equals: 2 }, run('{"n": 2}'))).toEqual({ check: '/n equals "2"', pass: true, detail: 'found "2"', score: 1 });
    const fenced = 'Here is the order:\n```json\n{"order": {"id": 42, "items": ["a", "b"]}}\n```\nAnything else?';
    expect(outcome({ jsonPointer: '/order/items/1', equals: 'b' }, run(fenced))).toMatchObject({ pass: true, detail: 'found "\\"b\\""' });
    expect(outcome({ jsonPointer: '/order', equals: { items: ['a', 'b'], id: 42 } }, run(fenced))).toMatchObject({ pass: true });
    expect(outcome({ jsonPointer: '/order/id', equals: '42' }, run(fenced))).toMatchObject({ pass: false, detail: 'found "42"' });
    expect(outcome({ jsonPointer: '/n', equals: 2 }, run('```\n{"n": 2}\n```'))).toMatchObject({ pass: true });
  });

  it('jsonPointer fails clearly on an answer that is not JSON and on a missing path', () => {
    expect(outcome({ jsonPointer: '/n', equals: 2 }, run('n is 2'))).toMatchObject({ pass: false, score: 0, detail: 'the answer is not JSON: "n is 2"' });
    expect(outcome({ jsonPointer: '/m', equals: 2 }, run('{"n": 2}'))).toMatchObject({ pass: false, detail: 'the answer has nothing at /m' });
  });

  it('toolCalled matches arguments as a subset, nested objects included; toolNotCalled is its opposite', () => {
    expect(outcome({ toolCalled: 'search' }, run(''))).toMatchObject({ pass: true, detail: 'called: search' });
    expect(outcome({ toolCalled: 'search', arguments: { query: 'order 42' } }, run(''))).toMatchObject({ pass: true });
    expect(outcome({ toolCalled: 'search', arguments: { filters: { status: 'shipped' } } }, run(''))).toMatchObject({ pass: true });
    expect(outcome({ toolCalled: 'search', arguments: { filters: { status: 'lost' } } }, run(''))).toMatchObject({ pass: false, detail: 'called: search' });
    expect(outcome({ toolCalled: 'search', arguments: { filters: { status: 'shipped', carrier: 'x' } } }, run(''))).toMatchObject({ pass: false });
    expect(outcome({ toolCalled: 'search', arguments: { limit: '5' } }, run(''))).toMatchObject({ pass: false });
    expect(outcome({ toolCalled: 'search', arguments: { query: { text: 'order 42' } } }, run(''))).toMatchObject({ pass: false });
    // Any one of several calls may match.
    const twice = run('', { calls: [{ tool: 'search', input: { query: 'a' } }, { tool: 'fetch', input: null }, { tool: 'search', input: { query: 'b' } }] });
    expect(outcome({ toolCalled: 'search', arguments: { query: 'b' } }, twice)).toMatchObject({ pass: true, detail: 'called: search, fetch, search' });
    expect(outcome({ toolCalled: 'fetch', arguments: { url: 'x' } }, twice)).toMatchObject({ pass: false });
    expect(outcome({ toolCalled: 'search' }, run('', { calls: [] }))).toMatchObject({ pass: false, detail: 'called: no tool' });

    expect(outcome({ toolNotCalled: 'refund' }, run(''))).toMatchObject({ check: 'tool refund not called', pass: true, score: 1 });
    expect(outcome({ toolNotCalled: 'search' }, run(''))).toMatchObject({ pass: false, score: 0, detail: 'called: search' });
  });

  it('the limits pass at the limit and fail past it, saying what was seen', () => {
    const figures = run('', { steps: 4, tokens: 5000, wallMs: 30000, costUsd: 0.01 });
    expect(outcome({ maxSteps: 4 }, figures)).toMatchObject({ pass: true, detail: '4 steps' });
    expect(outcome({ maxSteps: 3 }, figures)).toMatchObject({ pass: false, detail: '4 steps' });
    expect(outcome({ maxTokens: 5000 }, figures)).toMatchObject({ pass: true, detail: '5000 tokens' });
    expect(outcome({ maxTokens: 4999 }, figures)).toMatchObject({ pass: false });
    expect(outcome({ maxWallMs: 30000 }, figures)).toMatchObject({ pass: true, detail: '30000 ms' });
    expect(outcome({ maxWallMs: 29999 }, figures)).toMatchObject({ pass: false });
    expect(outcome({ maxCostUsd: 0.01 }, figures)).toMatchObject({ pass: true, detail: '$0.0100' });
    expect(outcome({ maxCostUsd: 0.005 }, figures)).toMatchObject({ pass: false, detail: '$0.0100' });
  });

  it('maxCostUsd without a cost fails and says the worker knows no price', () => {
    const { costUsd: _cost, ...unpriced } = run('');
    expect(outcome({ maxCostUsd: 100 }, unpriced)).toMatchObject({ pass: false, score: 0, detail: 'no cost: the worker knows no price for the model' });
  });

  it('a rubric scores its judge’s score, passes at minScore (0.5 by default), and fails without a score', () => {
    const judged = (score: number | undefined, reason = 'mostly right') => run('answer', { rubricScores: new Map([[1, { ...(score === undefined ? {} : { score }), reason }]]) });
    expect(outcome({ rubric: 'Polite.' }, judged(0.5), 1)).toEqual({ check: 'rubric "Polite."', pass: true, detail: 'score 0.50: "mostly right"', score: 0.5 });
    expect(outcome({ rubric: 'Polite.' }, judged(0.49), 1)).toMatchObject({ pass: false, score: 0.49 });
    expect(outcome({ rubric: 'Polite.', minScore: 0.9 }, judged(0.8), 1)).toMatchObject({ pass: false, score: 0.8, detail: 'score 0.80: "mostly right"' });
    expect(outcome({ rubric: 'Polite.', minScore: 0 }, judged(0), 1)).toMatchObject({ pass: true, score: 0 });
    // The score is looked up by the check's index: another index's judge does not count.
    expect(outcome({ rubric: 'Polite.' }, judged(0.9), 0)).toMatchObject({ pass: false, score: 0, detail: 'the judge gave no score: "no judge ran"' });
    expect(outcome({ rubric: 'Polite.' }, judged(undefined, 'I cannot grade this'), 1)).toMatchObject({ pass: false, score: 0, detail: 'the judge gave no score: "I cannot grade this"' });
  });
});

describe('judgeScore', () => {
  it('reads the score and reason of a JSON reply, with or without text around it', () => {
    expect(judgeScore('{"score": 0.7, "reason": "x"}')).toEqual({ score: 0.7, reason: 'x' });
    expect(judgeScore('Here is my grade:\n```json\n{"score": 0.25, "reason": "misses the rule"}\n```\nThanks.')).toEqual({ score: 0.25, reason: 'misses the rule' });
    expect(judgeScore('{"score": 1}')).toEqual({ score: 1, reason: '' });
  });

  it('reads the first JSON object when more braces follow it', () => {
    expect(judgeScore('{"score": 0.6, "reason": "ok"} — the rubric said {be polite}')).toEqual({ score: 0.6, reason: 'ok' });
    expect(judgeScore('Note {not json}. {"score": 0.4, "reason": "nested {braces} in a string", "extra": {"a": 1}}')).toEqual({ score: 0.4, reason: 'nested {braces} in a string' });
  });

  it('reads a bare number from 0 to 1', () => {
    expect(judgeScore('0.8')).toEqual({ score: 0.8, reason: '' });
    expect(judgeScore(' 1 \n')).toEqual({ score: 1, reason: '' });
    expect(judgeScore('0')).toEqual({ score: 0, reason: '' });
  });

  it('clamps a JSON score to 0…1', () => {
    expect(judgeScore('{"score": 3, "reason": "great"}')).toEqual({ score: 1, reason: 'great' });
    expect(judgeScore('{"score": -2}')).toEqual({ score: 0, reason: '' });
  });

  it('gives no score, and the reply as the reason, for anything else', () => {
    expect(judgeScore('I would say it is good.')).toEqual({ reason: 'I would say it is good.' });
    expect(judgeScore('{"score": "0.7"}')).toEqual({ reason: '{"score": "0.7"}' });
    expect(judgeScore('{score: 0.7}')).toEqual({ reason: '{score: 0.7}' });
    expect(judgeScore('3')).toEqual({ reason: '3' });
    expect(judgeScore('0.8 out of 1')).toEqual({ reason: '0.8 out of 1' });
    expect(judgeScore('')).toEqual({ reason: '' });
  });
});

describe('parseSuite', () => {
  const suite = (cases: unknown[], extra: Record<string, unknown> = {}): unknown => ({ name: 'support', cases, ...extra });
  const problem = (input: unknown) => {
    try {
      parseSuite(input);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRunInputError);
      return (error as Error).message;
    }
    throw new Error('parseSuite accepted the suite');
  };

  it('accepts a suite and applies the defaults', () => {
    const parsed = parseSuite(suite([{ id: 'refund-rule', goal: 'Can I return a used item?', checks: [{ rubric: 'Says no.' }] }]));
    expect(parsed.cases[0]?.checks[0]).toEqual({ rubric: 'Says no.', minScore: 0.5 });
  });

  it('names each problem: goal and fromRun both or neither, a bad id, a bad check, a duplicate id', () => {
    expect(problem(suite([{ id: 'a', goal: 'g', fromRun: 'agent-1', checks: [{ answerContains: 'x' }] }]))).toBe('invalid eval suite: cases.0: a case has a goal or a fromRun (one of them, not both)');
    expect(problem(suite([{ id: 'a', checks: [{ answerContains: 'x' }] }]))).toMatch(/^invalid eval suite: cases\.0: .*goal.*fromRun/);
    expect(problem(suite([{ id: 'a b', goal: 'g', checks: [{ answerContains: 'x' }] }]))).toBe('invalid eval suite: cases.0.id: a case id is 1 to 60 letters, digits, _ . -');
    expect(problem(suite([{ id: 'a', goal: 'g', checks: [] }]))).toMatch(/^invalid eval suite: cases\.0\.checks: /);
    expect(problem(suite([{ id: 'a', goal: 'g', checks: [{ rubric: 'x', minScore: 2 }] }]))).toMatch(/^invalid eval suite: cases\.0\.checks\.0\.minScore: /);
    expect(problem(suite([{ id: 'a', goal: 'g', checks: [{ answerContains: 'x' }] }], { variants: [{ name: 'a b' }] }))).toBe(
      'invalid eval suite: variants.0.name: a variant name is 1 to 40 letters, digits, _ . -',
    );
    expect(problem({ cases: [] })).toMatch(/^invalid eval suite: name: .*; cases: /);
    expect(problem('suite.json')).toMatch(/^invalid eval suite: suite: .*expected object/);

    const twice = problem(suite([{ id: 'same', goal: 'g', checks: [{ answerContains: 'x' }] }, { id: 'other', goal: 'g', checks: [{ answerContains: 'x' }] }, { id: 'same', goal: 'h', checks: [{ answerContains: 'y' }] }]));
    expect(twice).toBe('invalid eval suite: case id "same" is used twice; give every case its own id');
  });

  it('says what is wrong with a check rather than zod’s "Invalid input"', () => {
    const ofCheck = (written: unknown) => problem(suite([{ id: 'a', goal: 'g', checks: [{ answerContains: 'x' }, written] }]));
    expect(ofCheck({ answerContainz: 'x' })).toBe(
      'invalid eval suite: cases.0.checks.1: not a check (answerContainz): a check has one of answerEquals, answerContains, answerMatches, jsonPointer, toolCalled, toolNotCalled, maxSteps, maxTokens, maxCostUsd, maxWallMs, rubric',
    );
    expect(ofCheck({})).toMatch(/^invalid eval suite: cases\.0\.checks\.1: not a check \(no field\): a check has one of answerEquals, /);
    expect(ofCheck({ answerContains: 'x', answerEquals: 'y' })).toBe('invalid eval suite: cases.0.checks.1: one check per object, got answerContains and answerEquals');
    expect(ofCheck({ answerContains: 5 })).toMatch(/^invalid eval suite: cases\.0\.checks\.1: answerContains check: answerContains: .*expected string, received number$/);
    expect(ofCheck({ toolCalled: 'search', arguments: ['x'] })).toMatch(/^invalid eval suite: cases\.0\.checks\.1: toolCalled check: arguments: .*expected record, received array$/);
    expect(ofCheck('answer contains x')).toBe('invalid eval suite: cases.0.checks.1: a check is an object such as {"answerContains": "…"}, got "answer contains x"');
    // A known check with a field it does not take: zod's own message names the field.
    expect(ofCheck({ answerContains: 'x', flags: 'i' })).toBe('invalid eval suite: cases.0.checks.1: Unrecognized key: "flags"');
  });
});

describe('chosenVariants', () => {
  const written: EvalSuiteInput = {
    name: 'support',
    variants: [
      { name: 'small', model: 'gpt-4.1-mini' },
      { name: 'large', model: 'gpt-4.1', systemPrompt: 'Be precise.' },
    ],
    cases: [{ id: 'a', goal: 'g', checks: [{ answerContains: 'x' }] }],
  };
  const suite: EvalSuite = parseSuite(written);

  it('runs every variant by default, `default` when the suite has none, and the named ones in the order named', () => {
    expect(chosenVariants(suite, undefined).map((variant) => variant.name)).toEqual(['small', 'large']);
    expect(chosenVariants(suite, []).map((variant) => variant.name)).toEqual(['small', 'large']);
    expect(chosenVariants(suite, ['large', 'small'])).toEqual([written.variants![1], written.variants![0]]);
    expect(chosenVariants({ ...suite, variants: undefined }, undefined)).toEqual([{ name: 'default' }]);
    expect(chosenVariants({ ...suite, variants: [] }, ['default'])).toEqual([{ name: 'default' }]);
  });

  it('refuses an unknown name, listing the suite’s', () => {
    expect(() => chosenVariants(suite, ['small', 'medium'])).toThrow(new InvalidRunInputError('the suite has no variant "medium": it has small, large'));
    expect(() => chosenVariants({ ...suite, variants: undefined }, ['small'])).toThrow('the suite has no variant "small": it has default');
  });
});

describe('summarizeEval', () => {
  const result = (caseId: string, variant: string, pass: boolean, score: number, figures: Partial<EvalCaseResult> = {}): EvalCaseResult => ({
    caseId,
    variant,
    workflowId: `eval-1.${caseId}.${variant}`,
    status: 'final',
    answer: '',
    pass,
    score,
    checks: [],
    steps: 2,
    tokens: 100,
    costUsd: 0.01,
    wallMs: 1000,
    ...figures,
  });

  it('totals each variant in the order given: cases, passed, mean score, cost, tokens, time', () => {
    const results = [
      result('one', 'a', true, 1),
      result('one', 'b', false, 0.5, { costUsd: 0.02, tokens: 300 }),
      result('two', 'a', false, 0, { tokens: 50, wallMs: 500 }),
      result('two', 'b', true, 1, { costUsd: undefined }),
    ];
    const [b, a, missing] = summarizeEval(['b', 'a', 'c'], results);
    expect(a).toEqual({ variant: 'a', cases: 2, passed: 1, score: 0.5, costUsd: 0.02, tokens: 150, wallMs: 1500 });
    // An unknown cost counts as nothing; the known ones still add up.
    expect(b).toEqual({ variant: 'b', cases: 2, passed: 1, score: 0.75, costUsd: 0.02, tokens: 400, wallMs: 2000 });
    // A variant without results has a score of 0, not NaN, and no cost.
    expect(missing).toEqual({ variant: 'c', cases: 0, passed: 0, score: 0, tokens: 0, wallMs: 0 });
  });

  it('gives no cost when no result has one', () => {
    const [summary] = summarizeEval(['a'], [result('one', 'a', true, 1, { costUsd: undefined })]);
    expect(summary).not.toHaveProperty('costUsd');
  });
});
