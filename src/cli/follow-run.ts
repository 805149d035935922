import type { AgentRunHandle, AgentRunResult, AgentState } from '../client';
import { isConnectionFailure, probeTcp, TemporalConnectionLostError } from '../config/connect';
import type { ProgressView } from './progress';

/** How often the live state is polled while a run is followed. */
const POLL_MS = 300;
/** Upper bound on one live-state query, so a dead server or a stuck worker cannot stall the loop. */
const STATE_TIMEOUT_MS = 3_000;
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
  /** Called with each live state read (after the view drew it); errors are its own to handle. */
  onState?: (state: AgentState) => Promise<void>;
  /** @default {@link LOST_SERVER_GRACE_MS} */
  lostServerGraceMs?: number;
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
 * Draws a run's progress until it ends or the user presses Ctrl-C. Throws `TemporalConnectionLostError` when
 * the server stays unreachable for the grace period, and the worker's error when the in-process worker fails.
 */
export async function followRun(options: FollowOptions): Promise<FollowOutcome> {
  const { handle, view, address } = options;
  const grace = options.lostServerGraceMs ?? LOST_SERVER_GRACE_MS;
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

  /**
   * Polls the live state. Once the server looks down it only probes TCP (cheap, and a refused connection is
   * immediate) until it is back, or rejects when it stayed away for the grace period.
   */
  const watch = async (): Promise<never> => {
    let unreachableSince: number | undefined;
    const reachable = () => probeTcp(address, 1_000).then(() => true, () => false);
    while (!settled) {
      if (unreachableSince === undefined) {
        try {
          const state = await handle.state({ timeoutMs: STATE_TIMEOUT_MS });
          view?.update(state);
          await options.onState?.(state);
        } catch (error) {
          // A failed query alone proves little (a busy worker); a refused TCP connection does.
          if (isConnectionFailure(error) || !(await reachable())) unreachableSince = Date.now();
        }
      } else if (await reachable()) {
        unreachableSince = undefined;
      } else if (Date.now() - unreachableSince >= grace) {
        throw lostServer(address, handle.workflowId);
      }
      if (!settled) await sleep(POLL_MS);
    }
    return new Promise<never>(() => undefined);
  };
  const watching = watch();

  try {
    const outcome = await Promise.race([ended, interrupted, workerStopped, watching]);
    if (outcome.kind === 'ended' && view) view.update(await handle.state({ timeoutMs: STATE_TIMEOUT_MS }).catch(() => stateFromResult(outcome.result)));
    return outcome;
  } finally {
    settled = true;
    view?.done();
    // The losers must not reject unobserved later.
    for (const loser of [ended, workerStopped, watching]) loser.catch(() => undefined);
  }
}

function stateFromResult(result: AgentRunResult) {
  return { status: result.status, step: result.steps, maxSteps: result.steps, pending: [], usage: result.usage, toolCalls: result.toolCalls, recent: [] };
}
