import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { z } from 'zod';
import { evalProgressQuery, type EvalWorkflow } from '../contracts/definitions';
import { EvalCheckSchema, EvalSuiteSchema, MAX_EVAL_RUNS, type EvalProgress, type EvalReport, type EvalSuite, type EvalVariant, type EvalWorkflowInput, type ResolvedEvalCase } from '../contracts/eval';
import { describeIssues } from '../core/zod-issues';
import { GRPC_STATUS, grpcStatusOf } from '../config/connect';
import { InvalidRunInputError, RunNotFoundError } from './errors';

/** What `startEval` takes besides the suite. */
export interface EvalOptions {
  /** The suite's variants to run, by name (default: all of them; a suite without variants has one, `default`). */
  variants?: string[];
  /** Case runs at once. @default 4 */
  concurrency?: number;
  /** The eval's workflow id. @default `eval-<date>-<random>` */
  evalId?: string;
  /** Where the eval and its case runs go. @default the configured task queue */
  taskQueue?: string;
}

/** Each kind of check by the field that names it (`answerEquals`, …), in the schema's order. */
const CHECK_KINDS = EvalCheckSchema.options.map((option) => Object.keys(option.shape).find((key) => key !== 'name') ?? '');

/**
 * What is wrong with a check that matches no kind: zod only says "Invalid input" of a union. Names the kind the check
 * lacks, or the problems of the one kind it has.
 */
function checkProblem(check: unknown, issue: z.core.$ZodIssueInvalidUnion): string {
  if (check === null || typeof check !== 'object' || Array.isArray(check)) return `a check is an object such as {"answerContains": "…"}, got ${JSON.stringify(check) ?? String(check)}`;
  const keys = Object.keys(check);
  const kinds = keys.filter((key) => CHECK_KINDS.includes(key));
  if (kinds.length === 0) return `not a check (${keys.join(', ') || 'no field'}): a check has one of ${CHECK_KINDS.join(', ')}`;
  if (kinds.length > 1) return `one check per object, got ${kinds.join(' and ')}`;
  const [kind = ''] = kinds;
  const problems = issue.errors[CHECK_KINDS.indexOf(kind)] ?? [];
  return `${kind} check: ${problems.map((problem) => `${problem.path.map(String).join('.') || '(check)'}: ${problem.message}`).join(', ') || issue.message}`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined), value);
}

/** The suite checked, as a clear error that names each problem. */
export function parseSuite(suite: unknown): EvalSuite {
  const parsed = EvalSuiteSchema.safeParse(suite);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => (issue.code === 'invalid_union' && issue.path.at(-2) === 'checks' ? { ...issue, message: checkProblem(valueAt(suite, issue.path), issue) } : issue));
    throw new InvalidRunInputError(`invalid eval suite: ${describeIssues(new z.ZodError(issues), 'suite')}`);
  }
  const ids = parsed.data.cases.map((entry) => entry.id);
  const twice = ids.find((id, index) => ids.indexOf(id) !== index);
  if (twice) throw new InvalidRunInputError(`invalid eval suite: case id "${twice}" is used twice; give every case its own id`);
  return parsed.data;
}

/** The variants to run: the suite's (or `default`), narrowed to `names`. */
export function chosenVariants(suite: EvalSuite, names: readonly string[] | undefined): EvalVariant[] {
  const offered = suite.variants?.length ? suite.variants : [{ name: 'default' }];
  if (!names?.length) return offered;
  return names.map((name) => {
    const variant = offered.find((candidate) => candidate.name === name);
    if (!variant) throw new InvalidRunInputError(`the suite has no variant "${name}": it has ${offered.map((candidate) => candidate.name).join(', ')}`);
    return variant;
  });
}

/** The goal a recorded run was started with (its latest execution's input carries it across continue-as-new). */
async function recordedGoal(client: Client, workflowId: string, namespace: string): Promise<string> {
  let history;
  try {
    history = await client.workflow.getHandle(workflowId).fetchHistory();
  } catch (error) {
    if (grpcStatusOf(error) === GRPC_STATUS.notFound) throw new RunNotFoundError(workflowId, namespace);
    throw error;
  }
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const [input] = await decodeArrayFromPayloads(client.options.loadedDataConverter, started?.input?.payloads);
  const goal = (input as { goal?: unknown } | undefined)?.goal;
  if (typeof goal !== 'string') throw new InvalidRunInputError(`run ${workflowId} is not an agent run with a goal, so no case can run it again`);
  return goal;
}

/** The eval workflow's input: the suite's cases (a `fromRun` case's goal read from its run) under the chosen variants. */
export async function evalInput(client: Client, namespace: string, suite: EvalSuite, options: EvalOptions, flags: Pick<EvalWorkflowInput, 'searchAttributes' | 'costAttribute'>): Promise<EvalWorkflowInput> {
  const variants = chosenVariants(suite, options.variants);
  if (suite.cases.length * variants.length > MAX_EVAL_RUNS) {
    throw new InvalidRunInputError(`an eval runs at most ${MAX_EVAL_RUNS} case runs; ${suite.cases.length} cases × ${variants.length} variants is ${suite.cases.length * variants.length}: split the suite`);
  }
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200) throw new InvalidRunInputError(`the concurrency must be a whole number from 1 to 200 (got ${concurrency})`);
  const cases: ResolvedEvalCase[] = [];
  for (const entry of suite.cases) {
    const recorded = entry.fromRun ? { goal: await recordedGoal(client, entry.fromRun, namespace), recordedTools: { from: entry.fromRun, ...(entry.unmatched ? { unmatched: entry.unmatched } : {}) } } : undefined;
    cases.push({ id: entry.id, goal: recorded?.goal ?? (entry.goal as string), ...(recorded ? { recordedTools: recorded.recordedTools } : {}), checks: entry.checks });
  }
  return { suite: suite.name, cases, variants, concurrency, ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}), ...flags };
}

/** A handle on a running or finished eval. */
export class EvalHandle {
  constructor(
    private readonly client: Client,
    readonly evalId: string,
  ) {}

  /** Waits for the eval's report. */
  async result(): Promise<EvalReport> {
    return this.client.workflow.getHandle<EvalWorkflow>(this.evalId).result();
  }

  /** Where it stands (needs a worker, as a run's live state does). */
  async progress(): Promise<EvalProgress> {
    return this.client.workflow.getHandle<EvalWorkflow>(this.evalId).query(evalProgressQuery);
  }

  async cancel(): Promise<void> {
    await this.client.workflow.getHandle<EvalWorkflow>(this.evalId).cancel();
  }
}
