import { z } from 'zod';
import { AgentRunInputSchema } from './run-input';

/**
 * Evals on recorded runs (docs/evals.md): a suite of cases with checks, run under one or more variants (run settings),
 * each case of each variant a child run of a durable eval workflow.
 */

/** One check of a case's run. Every check has an optional `name` shown in reports. */
export const EvalCheckSchema = z.union([
  z.object({ name: z.string().optional(), answerEquals: z.string() }).strict(),
  z.object({ name: z.string().optional(), answerContains: z.string().min(1) }).strict(),
  z.object({ name: z.string().optional(), answerMatches: z.string().min(1), flags: z.string().regex(/^[imsu]*$/).optional() }).strict(),
  /** The answer parsed as JSON: the value at an RFC 6901 pointer equals this. */
  z.object({ name: z.string().optional(), jsonPointer: z.string(), equals: z.unknown() }).strict(),
  /** A tool was called (at least once; with these arguments, compared as a subset, when given). */
  z.object({ name: z.string().optional(), toolCalled: z.string().min(1), arguments: z.record(z.string(), z.unknown()).optional() }).strict(),
  z.object({ name: z.string().optional(), toolNotCalled: z.string().min(1) }).strict(),
  z.object({ name: z.string().optional(), maxSteps: z.number().int().min(1) }).strict(),
  z.object({ name: z.string().optional(), maxTokens: z.number().int().min(1) }).strict(),
  z.object({ name: z.string().optional(), maxCostUsd: z.number().positive() }).strict(),
  z.object({ name: z.string().optional(), maxWallMs: z.number().int().min(1) }).strict(),
  /** A model judges the answer against the rubric (a run of its own: durable, budgeted, visible), scoring 0 to 1. */
  z.object({ name: z.string().optional(), rubric: z.string().min(1).max(4_000), minScore: z.number().min(0).max(1).default(0.5), model: z.string().optional() }).strict(),
]);
export type EvalCheck = z.infer<typeof EvalCheckSchema>;

/** Run settings a variant may change (everything else is the case's). */
export const EvalVariantSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'a variant name is 1 to 40 letters, digits, _ . -'),
    model: z.string().min(1).optional(),
    systemPrompt: z.string().min(1).optional(),
    planning: AgentRunInputSchema.shape.planning,
    allowedTools: z.array(z.string().min(1)).optional(),
    budget: AgentRunInputSchema.shape.budget,
    maxSteps: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();
export type EvalVariant = z.infer<typeof EvalVariantSchema>;

/** One case: a goal, or a recorded run whose goal is run again with its tools answered from its recording. */
export const EvalCaseSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,60}$/, 'a case id is 1 to 60 letters, digits, _ . -'),
    goal: z.string().min(1).optional(),
    fromRun: z.string().min(1).optional(),
    /** With `fromRun`: a call the recording lacks runs live (`live`, the default) or is refused (`refuse`). */
    unmatched: z.enum(['live', 'refuse']).optional(),
    checks: z.array(EvalCheckSchema).min(1).max(50),
  })
  .strict()
  .refine((entry) => (entry.goal === undefined) !== (entry.fromRun === undefined), 'a case has a goal or a fromRun (one of them, not both)');
export type EvalCase = z.infer<typeof EvalCaseSchema>;

export const EvalSuiteSchema = z
  .object({
    name: z.string().min(1).max(100),
    /** Variants the suite offers; `--variants` picks among them. Without any: one variant, `default`. */
    variants: z.array(EvalVariantSchema).max(20).optional(),
    cases: z.array(EvalCaseSchema).min(1).max(1_000),
  })
  .strict();
export type EvalSuite = z.infer<typeof EvalSuiteSchema>;
/** A suite as written (defaults not applied yet). */
export type EvalSuiteInput = z.input<typeof EvalSuiteSchema>;

/** How one check of one case came out. */
export interface EvalCheckResult {
  /** The check's `name`, else a short description (`answer contains "42"`). */
  check: string;
  pass: boolean;
  /** Why it failed, or what was seen (`3 steps`, `score 0.8`). */
  detail?: string;
}

/** One case under one variant. */
export interface EvalCaseResult {
  caseId: string;
  variant: string;
  /** The case's run (a child of the eval). */
  workflowId: string;
  /** The run's status (`final`, `max_steps`, …). */
  status: string;
  answer: string;
  /** All checks passed. */
  pass: boolean;
  /** Passed checks / checks, 0 to 1 (a rubric counts its score). */
  score: number;
  checks: EvalCheckResult[];
  steps: number;
  tokens: number;
  costUsd?: number;
  wallMs: number;
}

/** A variant's totals. */
export interface EvalVariantSummary {
  variant: string;
  cases: number;
  passed: number;
  /** Mean score of its cases. */
  score: number;
  costUsd?: number;
  tokens: number;
  wallMs: number;
}

/** What an eval gives: every case under every variant, and each variant's totals. */
export interface EvalReport {
  evalId: string;
  suite: string;
  variants: string[];
  startedAt: string;
  endedAt: string;
  results: EvalCaseResult[];
  summary: EvalVariantSummary[];
}

/** Case runs (cases × variants) one eval may have: its history holds each child run's start and end. */
export const MAX_EVAL_RUNS = 1_000;

/** A case as the eval workflow takes it: a `fromRun` case's goal was read from the recorded run by the client. */
export const ResolvedEvalCaseSchema = z
  .object({
    id: EvalCaseSchema.shape.id,
    goal: z.string().min(1),
    /** A `fromRun` case: its tools are answered from that run's recording. */
    recordedTools: z.object({ from: z.string().min(1), unmatched: z.enum(['live', 'refuse']).optional() }).strict().optional(),
    checks: z.array(EvalCheckSchema).min(1).max(50),
  })
  .strict();
export type ResolvedEvalCase = z.infer<typeof ResolvedEvalCaseSchema>;

/** The eval workflow's input (set by `AgentClient.startEval`). */
export const EvalWorkflowInputSchema = z
  .object({
    suite: z.string().min(1).max(100),
    cases: z.array(ResolvedEvalCaseSchema).min(1).max(MAX_EVAL_RUNS),
    variants: z.array(EvalVariantSchema).min(1).max(20),
    /** Case runs at once. @default 4 */
    concurrency: z.number().int().min(1).max(200).default(4),
    /** The case runs' task queue (default: the eval's). */
    taskQueue: z.string().min(1).optional(),
    /** What the client found the namespace to have, passed on to each case run (as `start` does). */
    searchAttributes: z.boolean().optional(),
    costAttribute: z.boolean().optional(),
  })
  .strict()
  .refine((input) => input.cases.length * input.variants.length <= MAX_EVAL_RUNS, `an eval runs at most ${MAX_EVAL_RUNS} cases × variants`);
export type EvalWorkflowInput = z.input<typeof EvalWorkflowInputSchema>;

/** Where an eval stands, from its `evalProgress` query. */
export interface EvalProgress {
  total: number;
  done: number;
  running: number;
  results: EvalCaseResult[];
}

/** What the eval workflow asks of one case's run once it ended (and its judges answered). */
export interface CheckCaseRequest {
  workflowId: string;
  answer: string;
  steps: number;
  tokens: number;
  costUsd?: number;
  wallMs: number;
  checks: EvalCheck[];
  /** A rubric check's judge answer by the check's index: its score (0 to 1), or why there is none. */
  rubricScores: Array<{ index: number; score?: number; reason: string }>;
}

export interface CheckCaseResult {
  checks: EvalCheckResult[];
  pass: boolean;
  /** Mean of the checks' scores (a passed check 1, a failed one 0, a rubric its judge's score). */
  score: number;
}
