import type { AcceptedPlan } from '../../core/plan/graph';
import type { Task, TaskResult } from '../../core/model';

/**
 * The nodes of the latest step's plans, as the UI's details table shows them: name, tool, what each needs, and how
 * it went. It stays after its step, for people reading the run later; a plan of a new step replaces it.
 */
export class PlanTable {
  private nodes = new Map<string, { name: string; tool: string; needs: string; state: string }>();
  private step = 0;

  accepted(plan: AcceptedPlan, step: number): void {
    const nameOf = (taskId: string) => taskId.slice(plan.taskId.length + 1);
    if (this.step !== step) this.nodes = new Map();
    this.step = step;
    for (const node of plan.nodes) {
      this.nodes.set(node.id, { name: node.name ?? node.id, tool: node.call.tool, needs: node.dependsOn.map(nameOf).join(', ') || '—', state: 'waiting' });
    }
  }

  started(task: Task): void {
    const node = this.nodes.get(task.id);
    if (node) node.state = 'running';
  }

  finished(result: TaskResult): void {
    const node = this.nodes.get(result.id);
    if (node) node.state = result.ok ? `ok ${result.durationMs} ms` : `${result.error?.type ?? 'failed'} ${result.durationMs} ms`;
  }

  /** Markdown for the details table, or '' when no plan ran. */
  markdown(): string {
    if (this.nodes.size === 0) return '';
    const rows = [...this.nodes.values()].map((node) => `| ${node.name} | ${node.tool} | ${node.needs} | ${node.state} |`);
    return `\n\nPlan of step ${this.step}:\n\n| node | tool | needs | state |\n|---|---|---|---|\n${rows.join('\n')}`;
  }
}
