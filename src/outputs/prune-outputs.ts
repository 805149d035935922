import type { OutputStore } from './output-store';

/** What the server says of a run: still open, or closed (and when); undefined when it has no such run. */
export type RunEnd = { open: true } | { open: false; closedAt: Date } | undefined;

export interface PruneOptions {
  /** Blobs of runs that ended longer ago than this are deleted. */
  olderThanMs: number;
  /** Only say what would be deleted. @default false */
  dryRun?: boolean;
  /** @default new Date() */
  now?: Date;
}

/** One run whose blobs were (or, in a dry run, would be) deleted. */
export interface PrunedRun {
  workflowId: string;
  blobs: number;
  bytes: number;
  /** When the run ended; for a run the server does not know, when its newest blob was written. */
  endedAt: Date;
  /** False when the server does not know the run (its retention removed it, or another namespace or server wrote it). */
  known: boolean;
}

export interface PruneReport {
  deleted: PrunedRun[];
  /** Runs whose blobs stay: still open. */
  open: number;
  /** Runs whose blobs stay: ended within the window. */
  recent: number;
}

/**
 * Retention of stored outputs: deletes the blobs of every run of `namespace` that is closed and ended more than
 * `olderThanMs` ago. A run the server cannot find counts as ended when its newest blob was written, so blobs written
 * lately are never deleted on the word of a server that does not know their run (another server, a mistyped namespace).
 */
export async function pruneOutputs(store: OutputStore, namespace: string, runEnd: (workflowId: string) => Promise<RunEnd>, options: PruneOptions): Promise<PruneReport> {
  const cutoff = (options.now ?? new Date()).getTime() - options.olderThanMs;
  const report: PruneReport = { deleted: [], open: 0, recent: 0 };
  for (const run of await store.runs(namespace)) {
    const end = await runEnd(run.workflowId);
    if (end?.open) {
      report.open += 1;
      continue;
    }
    const endedAt = end ? end.closedAt : run.newest;
    if (endedAt.getTime() > cutoff) {
      report.recent += 1;
      continue;
    }
    const blobs = options.dryRun ? run.blobs : await store.deleteRun(namespace, run.workflowId);
    report.deleted.push({ workflowId: run.workflowId, blobs, bytes: run.bytes, endedAt, known: end !== undefined });
  }
  return report;
}
