import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';

/** How many closed runs the second, exact pass may read per run shown (it stops there, keeping the list bounded). */
const CLOSED_READ_FACTOR = 10;

/**
 * Up to `limit` runs matching `query`, read page by page from the visibility API. Their memos are left out, not
 * decoded: a list needs none, and a memo this process cannot decrypt (a retired key, a run from before encryption)
 * must not make the whole list fail — listing runs is how an operator finds the ones that still need an old key.
 */
async function firstOf(client: Client, query: string, limit: number): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  const { namespace, loadedDataConverter } = client.options;
  let nextPageToken: Uint8Array | undefined;
  while (found.length < limit) {
    const page = await client.workflowService.listWorkflowExecutions({ namespace, query, pageSize: Math.min(limit - found.length, 1_000), nextPageToken });
    for (const raw of page.executions) {
      raw.memo = null; // (the response is ours; a copy would lose the protobuf message's defaults)
      found.push(await executionInfoFromRaw(raw, loadedDataConverter, raw, namespace));
      if (found.length >= limit) break;
    }
    if (!page.nextPageToken?.length) break;
    nextPageToken = page.nextPageToken;
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
