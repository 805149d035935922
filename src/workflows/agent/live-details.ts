import type { AcceptedPlan } from '../../core/plan/graph';
import type { Task, TaskResult } from '../../core/model';
import { PlanTable } from './plan-table';

/** Rows kept in the live details table of the Temporal UI; older rows are dropped to keep it small. */
const DETAIL_ROWS = 20;

/** What the UI's details table shows beyond the status line: a row per step, and the latest step's plans. */
export class LiveDetails {
  private readonly rows: string[] = [];
  private readonly planTable = new PlanTable();

  planAccepted(plan: AcceptedPlan, step: number): void {
    this.planTable.accepted(plan, step);
  }

  taskStarted(task: Task): void {
    this.planTable.started(task);
  }

  taskFinished(result: TaskResult): void {
    this.planTable.finished(result);
  }

  /** A step's row: its calls and the observation's summary. */
  stepObserved(step: number, results: ReadonlyArray<{ tool: string; ok: boolean; errorType?: string }>, summary: string): void {
    const calls = results.map((entry) => `${entry.tool} ${entry.ok ? '✓' : `✗ ${entry.errorType ?? ''}`}`.trim()).join(', ');
    this.rows.push(`| ${step} | ${calls} | ${summary} |`);
    if (this.rows.length > DETAIL_ROWS) this.rows.shift();
  }

  /** The plan and step tables, as Markdown ('' when there is nothing yet). */
  markdown(): string {
    const table = this.rows.length ? `\n\n| step | calls | result |\n|---|---|---|\n${this.rows.join('\n')}` : '';
    return `${this.planTable.markdown()}${table}`;
  }
}
