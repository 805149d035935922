import type { AgentRunHandle, AgentRunResult, RunEvent } from '../client';
import { isConnectionFailure, probeTcp, TemporalConnectionLostError } from '../config/connect';
import { RunProgress } from '../client/run-progress';
import type { ProgressView } from './progress';
import { within } from './within';
import { followText } from './live-text';

/** How often the server is probed (TCP, on loopback or the network) while a run is followed. */
const PROBE_MS = 1_000;
/** How long one probe waits for the server to accept. */
const PROBE_TIMEOUT_MS = 3_000;
/** How often a terminal redraws while nothing happens, so the times of running calls go on. */
const REDRAW_MS = 1_000;
/** After a failed read of the event log, how long before reading again (the run's result ends the follow anyway). */
const RETRY_MS = 300;
/** Once the result is in, how long the last events (up to `run_ended`) may take to arrive for the final frame. */
const LAST_EVENTS_MS = 2_000;
/** Once the run ended, how long its model text may take to end too (a loaded machine reads its last chunks late). */
const LAST_TEXT_MS = 10_000;
/**
 * How long the server may be unreachable before `run` gives up. A server restarted within this time is
 * waited for (runs survive restarts); one that stays away ends the command with exit 4, not a silent hang.
 */
export const LOST_SERVER_GRACE_MS = 10_000;

export interface FollowOptions {
  handle: AgentRunHandle;
  /** The in-process worker's `run()`: a failure ends the follow (the run cannot progress without it). */
  working: Promise<void>;
  /** Resolves on the first Ctrl-C. */
  interrupted: Promise<NodeJS.Signals>;
  /** Where the progress is drawn; none with `--json`. */
  view?: ProgressView;
  /** `host:port` of the server, probed when calls fail. */
  address: string;
  /** The run's step cap, for the headline (events do not repeat it). */
  maxSteps: number;
  /** Called with each event after the view drew it (approvals and questions are answered from here); errors are its own. */
  onEvent?: (event: RunEvent) => Promise<void> | void;
  /** @default {@link LOST_SERVER_GRACE_MS} */
  lostServerGraceMs?: number;
  /**
   * The first read of the event log waits for it: a run's first workflow task done (a query sent before is held by
   * the server, a second or more, and the first step would show late). @default none: read at once
   */
  firstRead?: Promise<unknown>;
}

/** How following ended: the run's result, or the user's Ctrl-C (the run itself may still be going). */
export type FollowOutcome = { kind: 'ended'; result: AgentRunResult } | { kind: 'interrupted'; signal: NodeJS.Signals };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lostServer(address: string, workflowId: string, cause?: unknown): TemporalConnectionLostError {
  return new TemporalConnectionLostError(
    address,
    `The server stopped answering while run ${workflowId} was followed. If it keeps its data, the run is still there: ` +
      `when the server is back, see it with \`durable-agent status ${workflowId}\`.`,
    cause,
  );
}

/**
 * Draws a run's progress from its event stream (the `events` query, adaptive interval) until it ends or the user presses
 * Ctrl-C. Throws `TemporalConnectionLostError` when the server stays unreachable for the grace period, and the
 * worker's error when the in-process worker fails.
 */
export async function followRun(options: FollowOptions): Promise<FollowOutcome> {
  const { handle, view, address } = options;
  const grace = options.lostServerGraceMs ?? LOST_SERVER_GRACE_MS;
  const progress = new RunProgress(options.maxSteps);
  const stop = new AbortController();
  let settled = false;

  const ended = handle.result().then(
    (result): FollowOutcome => ({ kind: 'ended', result }),
    (error: unknown) => {
      throw isConnectionFailure(error) ? lostServer(address, handle.workflowId, error) : error;
    },
  );
  const interrupted = options.interrupted.then((signal): FollowOutcome => ({ kind: 'interrupted', signal }));
  const workerStopped = options.working.then(
    () => {
      throw new Error(`the in-process worker stopped before run ${handle.workflowId} ended`);
    },
    (error: unknown) => {
      throw isConnectionFailure(error) ? lostServer(address, handle.workflowId, error) : error;
    },
  );

  /** Applies each event as it comes; a failed read is tried again from where it stopped. */
  const follow = async (): Promise<void> => {
    let from = 0;
    await options.firstRead?.catch(() => undefined);
    while (!settled) {
      try {
        for await (const event of handle.events({ from, signal: stop.signal })) {
          from = event.offset + 1;
          progress.apply(event);
          view?.update(progress.state());
          await options.onEvent?.(event);
        }
        return;
      } catch {
        if (!settled) await sleep(RETRY_MS);
      }
    }
  };
  const following = follow();
  // The model's text as it writes, under the progress (docs/streaming.md); it ends with the run or the follow.
  // Once the follow settled (the run ended and its last text was drawn, or the wait for it gave up), nothing more is
  // drawn: a chunk read late would land after the answer.
  const texting = view?.text ? followText(handle, (chunk) => (settled ? undefined : view.text?.(chunk)), stop.signal) : Promise.resolve();

  /** Probes the server; rejects when it stayed unreachable for the grace period (a refused connection is immediate). */
  const watchServer = async (): Promise<never> => {
    let unreachableSince: number | undefined;
    while (!settled) {
      // A generous answer time: a loaded machine may be slow to accept, which is not a lost server.
      const reachable = await probeTcp(address, PROBE_TIMEOUT_MS).then(() => true, () => false);
      if (reachable) unreachableSince = undefined;
      else unreachableSince ??= Date.now();
      if (unreachableSince !== undefined && Date.now() - unreachableSince >= grace) throw lostServer(address, handle.workflowId);
      if (!settled) await sleep(PROBE_MS);
    }
    return new Promise<never>(() => undefined);
  };
  const watching = watchServer();
  const redraw = view ? setInterval(() => view.update(progress.state()), REDRAW_MS) : undefined;

  try {
    const outcome = await Promise.race([ended, interrupted, workerStopped, watching]);
    if (outcome.kind === 'ended' && view) {
      await within(following, LAST_EVENTS_MS);
      // The model's text ends with the run too: its last chunks are drawn before the answer, never after it.
      await within(texting, LAST_TEXT_MS);
      view.update(progress.hasEnded ? progress.state() : stateFromResult(outcome.result, options.maxSteps));
    }
    return outcome;
  } finally {
    settled = true;
    stop.abort();
    if (redraw) clearInterval(redraw);
    view?.done();
    // The losers must not reject unobserved later.
    for (const loser of [ended, workerStopped, watching, following, texting]) loser.catch(() => undefined);
  }
}

function stateFromResult(result: AgentRunResult, maxSteps: number) {
  return { status: result.status, step: result.steps, maxSteps, pending: [], usage: result.usage, toolCalls: result.toolCalls, recent: [] };
}
