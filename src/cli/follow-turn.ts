import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MAX_STEPS, RunNotFoundError, RunProgress, type AgentRunHandle, type RunEvent, type TurnAnswer } from '../client';
import type { ProgressView } from './progress';
import { within } from './within';
import { followText } from './live-text';

/** How long finding where the session's log ends may take; past it the turn is sent and only its answer shown. */
const LOG_END_MS = 3_000;
/** Once the answer is in, how long the turn's last events may take to arrive for the final frame. */
const LAST_EVENTS_MS = 2_000;
/** After a failed read of the event log, how long before reading again (the answer ends the follow anyway). */
const RETRY_MS = 300;
/** The slowest poll of the log while nothing happens: a step's calls show up within this. */
const MAX_POLL_MS = 1_000;

/** Where the turn's events will start: the end of the session's log now (0 for a new one), and its step cap. */
interface TurnStart {
  from: number;
  maxSteps: number;
}

/**
 * Where a session's log ends now and its step cap per turn; a session that does not exist yet starts at 0. Undefined
 * when that cannot be known (the id names an ended run, which refuses the message anyway, or no worker answers).
 */
async function turnStart(handle: AgentRunHandle): Promise<TurnStart | undefined> {
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof RunNotFoundError) return { from: 0, maxSteps: DEFAULT_MAX_STEPS };
    return undefined;
  }
  if (description.executionStatus !== 'RUNNING') return undefined;
  const { maxSteps } = await handle.state({ timeoutMs: LOG_END_MS });
  let from = 0;
  for (;;) {
    const page = await handle.eventPage({ from });
    if (page.events.length === 0) return { from: page.next, maxSteps };
    from = page.next;
  }
}

/**
 * A turn's progress from the session's events: steps counted from the turn's start (its `turn_started`), since the
 * step cap counts per turn; call ids stay as the run names them (`approve` takes them).
 */
class TurnProgress {
  private readonly progress: RunProgress;
  private startStep: number | undefined;
  /** True once the turn's `turn_answered` (or the session's `run_ended`) was seen. */
  answered = false;

  constructor(maxSteps: number) {
    this.progress = new RunProgress(maxSteps);
  }

  /** Applies one event; returns whether it belongs to the turn (events before its `turn_started` do not). */
  apply(event: RunEvent): boolean {
    if (event.type === 'turn_started') this.startStep = event.step;
    if (this.startStep === undefined) return false;
    this.progress.apply({ ...event, step: Math.max(0, event.step - this.startStep) });
    if (event.type === 'turn_answered' || event.type === 'run_ended') this.answered = true;
    return true;
  }

  state() {
    return this.progress.state();
  }
}

/**
 * Sends a session's message with `send` and draws that turn's progress on `view` as its events come (each step, its
 * calls as they start and end), as `run` does, until the answer; then the last events, so the calls show above the
 * answer. The answer is `send`'s, whatever the view could read: with no readable log the turn just has no progress.
 */
export async function sendWithProgress(handle: AgentRunHandle, view: ProgressView, send: () => Promise<TurnAnswer>): Promise<TurnAnswer> {
  const start = await within(turnStart(handle), LOG_END_MS);
  if (!start) return send();
  const turn = new TurnProgress(start.maxSteps);
  let from = start.from;
  // Nothing is drawn once the answer is printed (a read still in flight may come back later).
  let closed = false;
  const take = (event: RunEvent) => {
    if (closed) return;
    from = Math.max(from, event.offset + 1);
    if (turn.apply(event)) view.update(turn.state());
  };
  const stop = new AbortController();
  const following = (async () => {
    while (!stop.signal.aborted) {
      try {
        for await (const event of handle.events({ from, signal: stop.signal, maxIntervalMs: MAX_POLL_MS })) take(event);
        return;
      } catch {
        if (!stop.signal.aborted) await sleep(RETRY_MS);
      }
    }
  })();
  const texting = view.text ? followText(handle, (chunk) => !closed && view.text?.(chunk), stop.signal) : Promise.resolve();
  try {
    const answer = await send();
    stop.abort();
    await within(following, LAST_EVENTS_MS);
    // The turn's last events (up to `turn_answered`), read at once rather than at the next poll.
    const deadline = Date.now() + LAST_EVENTS_MS;
    const drain = async () => {
      while (!turn.answered && Date.now() < deadline) {
        const page = await handle.eventPage({ from });
        for (const event of page.events) take(event);
        if (page.events.length === 0) await sleep(RETRY_MS);
      }
    };
    await within(drain(), LAST_EVENTS_MS);
    return answer;
  } finally {
    closed = true;
    stop.abort();
    await within(texting, LAST_EVENTS_MS);
    view.done();
  }
}
