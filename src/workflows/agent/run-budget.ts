import type { Budget, BudgetRaise } from '../../contracts/run-input';
import type { Usage } from '../../contracts/run-result';

/** The limits `raise-budget` may change. */
const LIMITS = ['maxTokens', 'maxWallTimeMs', 'maxCostUsd'] as const;

/**
 * The run's budget: the input's limits with those `raise-budget` raised, and what a raise must satisfy. Usage itself
 * is the run's fold of its events (`RunFold`); this part only reads it. No I/O.
 */
export class RunBudget {
  private raisedSoFar: BudgetRaise;

  constructor(
    private readonly base: Budget | undefined,
    private readonly usedSoFar: () => { usage: Readonly<Usage>; startedAt: number },
    carried?: BudgetRaise,
  ) {
    this.raisedSoFar = carried ? { ...carried } : {};
  }

  /** The budget in force: the input's, with the limits `raise-budget` raised. */
  current(): Budget | undefined {
    if (Object.keys(this.raisedSoFar).length === 0) return this.base;
    return { ...this.base, ...this.raisedSoFar };
  }

  /** What the run has used of each limit, in the limits' own terms (wall time is workflow time since the run began). */
  used(): { maxTokens: number; maxWallTimeMs: number; maxCostUsd: number } {
    const { usage, startedAt } = this.usedSoFar();
    return { maxTokens: usage.inputTokens + usage.outputTokens, maxWallTimeMs: Date.now() - startedAt, maxCostUsd: usage.costUsd ?? 0 };
  }

  /** What is left of each limit in force (at least 1 of each, so a child given it can start), or undefined without a budget. */
  left(): Budget | undefined {
    const current = this.current();
    if (!current) return undefined;
    const used = this.used();
    const left: Budget = {};
    if (current.maxTokens !== undefined) left.maxTokens = Math.max(1, current.maxTokens - used.maxTokens);
    if (current.maxWallTimeMs !== undefined) left.maxWallTimeMs = Math.max(1, current.maxWallTimeMs - used.maxWallTimeMs);
    if (current.maxCostUsd !== undefined) left.maxCostUsd = Math.max(Number.EPSILON, current.maxCostUsd - used.maxCostUsd);
    return left;
  }

  /** The raised limits, for the next run of the chain (undefined when none was raised). */
  get raised(): BudgetRaise | undefined {
    return Object.keys(this.raisedSoFar).length > 0 ? { ...this.raisedSoFar } : undefined;
  }

  /**
   * Why a raise must be refused, or undefined: a limit is not above the one in force, or (where no limit was in force)
   * not above what the run has already used: a raise never stops a run.
   */
  refusal(raise: BudgetRaise): string | undefined {
    const current = this.current() ?? {};
    // Workflow-task time (replay-safe), as for the wall-time budget itself.
    const used = this.used();
    for (const key of LIMITS) {
      const wanted = raise[key];
      if (wanted === undefined) continue;
      const now = current[key];
      if (now !== undefined && wanted <= now) return `${key} is ${now} already: a raise must go above it, got ${wanted}`;
      if (wanted <= used[key]) return `the run has used ${used[key]} of ${key} already: a raise must go above that, got ${wanted}`;
    }
    return undefined;
  }

  /** Applies a raise (only its limits: the Update's arguments are not trusted to carry nothing else); returns its words. */
  raise(raise: BudgetRaise): string {
    for (const key of LIMITS) {
      const value = raise[key];
      if (value !== undefined) this.raisedSoFar[key] = value;
    }
    return LIMITS.filter((key) => raise[key] !== undefined)
      .map((key) => `${key} ${String(raise[key])}`)
      .join(', ');
  }
}
