import type { EvalCheck, EvalCheckResult } from '../contracts/eval';
import { atPointer as valueAtPointer } from './plan/references';

/** What a check looks at: the case's run as it ended, its tool calls, and what the judges said. */
export interface CheckedRun {
  answer: string;
  steps: number;
  tokens: number;
  costUsd?: number;
  wallMs: number;
  /** Tool calls the run scheduled (as activities), with their input. */
  calls: ReadonlyArray<{ tool: string; input: unknown }>;
  /** A rubric check's score (0 to 1) by the check's index, from its judge run; absent when the judge gave none. */
  rubricScores: ReadonlyMap<number, { score?: number; reason: string }>;
}

const quote = (text: string, max = 60) => JSON.stringify(text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A check's name in reports: its own `name`, else a short description. */
export function checkName(check: EvalCheck): string {
  if (check.name) return check.name;
  if ('answerEquals' in check) return `answer equals ${quote(check.answerEquals)}`;
  if ('answerContains' in check) return `answer contains ${quote(check.answerContains)}`;
  if ('answerMatches' in check) return `answer matches /${check.answerMatches}/${check.flags ?? ''}`;
  if ('jsonPointer' in check) return `${check.jsonPointer || '(whole answer)'} equals ${quote(JSON.stringify(check.equals) ?? 'undefined')}`;
  if ('toolCalled' in check) return `tool ${check.toolCalled} called${check.arguments ? ` with ${quote(JSON.stringify(check.arguments))}` : ''}`;
  if ('toolNotCalled' in check) return `tool ${check.toolNotCalled} not called`;
  if ('maxSteps' in check) return `at most ${check.maxSteps} steps`;
  if ('maxTokens' in check) return `at most ${check.maxTokens} tokens`;
  if ('maxCostUsd' in check) return `cost at most $${check.maxCostUsd}`;
  if ('maxWallMs' in check) return `at most ${check.maxWallMs} ms`;
  return `rubric ${quote(check.rubric, 40)}`;
}

/** The value at an RFC 6901 JSON pointer (the plans' own reader, src/core/plan/references.ts), or that there is none. */
export function atPointer(value: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer !== '' && !pointer.startsWith('/')) return { found: false };
  const at = valueAtPointer(value, pointer);
  return 'missing' in at ? { found: false } : { found: true, value: at.value };
}

/** Deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** True when every field of `expected` is in `actual` with an equal value (deeply, for nested objects). */
function containsArguments(actual: unknown, expected: Record<string, unknown>): boolean {
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(([key, value]) => {
    const seen = (actual as Record<string, unknown>)[key];
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? containsArguments(seen, value as Record<string, unknown>) : jsonEqual(seen, value);
  });
}

function parsedAnswer(answer: string): { ok: true; value: unknown } | { ok: false } {
  // A model often wraps JSON in a fenced block: the block's text is parsed then.
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(answer)?.[1];
  try {
    return { ok: true, value: JSON.parse(fenced ?? answer) };
  } catch {
    return { ok: false };
  }
}

function limit(seen: number, max: number, unit: string): Omit<EvalCheckResult, 'check'> {
  return { pass: seen <= max, detail: `${seen} ${unit}` };
}

/** One check against a run; a rubric check passes when its judge's score reaches `minScore`. */
export function runCheck(check: EvalCheck, index: number, run: CheckedRun): EvalCheckResult & { score: number } {
  const result = (outcome: Omit<EvalCheckResult, 'check'>, score = outcome.pass ? 1 : 0) => ({ check: checkName(check), ...outcome, score });
  const answerWas = `answer was ${quote(run.answer)}`;
  if ('answerEquals' in check) return result({ pass: run.answer.trim() === check.answerEquals.trim(), detail: answerWas });
  if ('answerContains' in check) return result({ pass: run.answer.includes(check.answerContains), detail: answerWas });
  if ('answerMatches' in check) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(check.answerMatches, check.flags);
    } catch (error) {
      return result({ pass: false, detail: `not a regular expression: ${(error as Error).message}` });
    }
    return result({ pass: pattern.test(run.answer), detail: answerWas });
  }
  if ('jsonPointer' in check) {
    const parsed = parsedAnswer(run.answer);
    if (!parsed.ok) return result({ pass: false, detail: `the answer is not JSON: ${quote(run.answer)}` });
    const at = atPointer(parsed.value, check.jsonPointer);
    if (!at.found) return result({ pass: false, detail: `the answer has nothing at ${check.jsonPointer}` });
    return result({ pass: jsonEqual(at.value, check.equals), detail: `found ${quote(JSON.stringify(at.value) ?? 'undefined')}` });
  }
  if ('toolCalled' in check || 'toolNotCalled' in check) {
    const tool = 'toolCalled' in check ? check.toolCalled : check.toolNotCalled;
    const expected = 'toolCalled' in check ? check.arguments : undefined;
    const matching = run.calls.filter((call) => call.tool === tool && (!expected || containsArguments(call.input, expected)));
    const called = `called: ${run.calls.map((call) => call.tool).join(', ') || 'no tool'}`;
    return result({ pass: 'toolCalled' in check ? matching.length > 0 : matching.length === 0, detail: called });
  }
  if ('maxSteps' in check) return result(limit(run.steps, check.maxSteps, 'steps'));
  if ('maxTokens' in check) return result(limit(run.tokens, check.maxTokens, 'tokens'));
  if ('maxWallMs' in check) return result(limit(run.wallMs, check.maxWallMs, 'ms'));
  if ('maxCostUsd' in check) {
    if (run.costUsd === undefined) return result({ pass: false, detail: 'no cost: the worker knows no price for the model' });
    return result({ pass: run.costUsd <= check.maxCostUsd, detail: `$${run.costUsd.toFixed(4)}` });
  }
  const judged = run.rubricScores.get(index);
  if (judged?.score === undefined) return result({ pass: false, detail: `the judge gave no score: ${quote(judged?.reason ?? 'no judge ran', 120)}` });
  return result({ pass: judged.score >= check.minScore, detail: `score ${judged.score.toFixed(2)}: ${quote(judged.reason, 120)}` }, judged.score);
}

/** A rubric check's question to its judge: a run of its own with no tools, answering with a JSON score. */
export function judgeGoal(rubric: string, goal: string, answer: string): string {
  return [
    'You grade an AI agent\'s answer against a rubric. Reply with only a JSON object: {"score": <a number from 0 to 1>, "reason": "<one sentence>"}.',
    `Rubric: ${rubric}`,
    `The agent's task: ${goal}`,
    `The agent's answer: ${answer}`,
  ].join('\n\n');
}

/** `{` positions `jsonObjects` tries: a reply full of braces must not cost quadratic time. */
const MAX_OBJECT_STARTS = 50;

/** The JSON objects in a text, in order: each `{` and its balanced `}` (braces in strings skipped), parsed. */
function* jsonObjects(text: string): Generator<unknown> {
  let start = text.indexOf('{');
  for (let tried = 0; start !== -1 && tried < MAX_OBJECT_STARTS; start = text.indexOf('{', start + 1), tried += 1) {
    let [depth, inString, end] = [0, false, -1];
    for (let index = start; index < text.length && end === -1; index += 1) {
      const char = text[index];
      if (inString) {
        if (char === '\\') index += 1;
        else if (char === '"') inString = false;
      } else if (char === '"') inString = true;
      else if (char === '{') depth += 1;
      else if (char === '}' && --depth === 0) end = index;
    }
    if (end === -1) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.slice(start, end + 1));
    } catch {
      // Braces that are not JSON (`{be polite}`): the next `{` may open an object.
      continue;
    }
    yield parsed;
  }
}

/** The score a judge's answer gives (its first JSON object with a numeric `score`, or a bare number), clamped to 0…1. */
export function judgeScore(answer: string): { score?: number; reason: string } {
  for (const parsed of jsonObjects(answer)) {
    const { score, reason } = (parsed ?? {}) as { score?: unknown; reason?: unknown };
    if (typeof score === 'number' && Number.isFinite(score)) return { score: Math.min(1, Math.max(0, score)), reason: typeof reason === 'string' ? reason : '' };
  }
  const bare = /^\s*(0(?:\.\d+)?|1(?:\.0+)?)\s*$/.exec(answer)?.[1];
  return bare !== undefined ? { score: Number(bare), reason: '' } : { reason: answer };
}
