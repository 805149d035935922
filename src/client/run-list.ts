import type { Client, WorkflowExecutionInfo } from '@temporalio/client';

/** How many closed runs the second, exact pass may read per run shown (it stops there, keeping the list bounded). */
const CLOSED_READ_FACTOR = 10;

async function firstOf(client: Client, query: string, limit: number): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  if (limit <= 0) return found;
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 1_000) })) {
    found.push(execution);
    if (found.length >= limit) break;
  }
  return found;
}

const byStartNewestFirst = (a: WorkflowExecutionInfo, b: WorkflowExecutionInfo): number => b.startTime.getTime() - a.startTime.getTime();

/**
 * The `limit` newest runs matching `query`, by start time. Visibility stores on SQL (the dev server's SQLite,
 * PostgreSQL) refuse `ORDER BY` and list open runs first, then closed runs by close time — so a run started an hour
 * ago and still open came above one started a minute ago and finished. Open runs come back newest first already; for
 * closed ones, the first pass finds the start time the list reaches down to, and a second pass reads every closed
 * run started since then (bounded), so a run that started late but closed early is not missed.
 */
export async function newestRuns(client: Client, query: string, limit: number): Promise<WorkflowExecutionInfo[]> {
  const open = await firstOf(client, `${query} AND ExecutionStatus = 'Running'`, limit);
  // A run that continued as new is shown once, by its latest execution (open, or closed with the run's end).
  const closedQuery = `${query} AND ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew'`;
  let closed = await firstOf(client, closedQuery, limit);
  const candidates = [...open, ...closed].sort(byStartNewestFirst);
  const reachesDownTo = candidates[limit - 1]?.startTime;
  if (closed.length >= limit && reachesDownTo) {
    closed = await firstOf(client, `${closedQuery} AND StartTime >= '${reachesDownTo.toISOString()}'`, limit * CLOSED_READ_FACTOR);
  }
  const seen = new Set<string>();
  return [...open, ...closed]
    .filter((execution) => !seen.has(execution.runId) && Boolean(seen.add(execution.runId)))
    .sort(byStartNewestFirst)
    .slice(0, limit);
}
