import type { EventPage, RunEvent } from '../../contracts/interaction-schemas';
import type { PhaseEventType } from '../../core/run-fold';
import { utf8Bytes } from '../../core/summarize';

/** Events kept; older ones are dropped (their offsets stay counted). */
export const EVENT_LOG_CAPACITY = 1_000;
/** Most events one page returns. */
const PAGE_LIMIT = 500;

/** An event as a part of the run appends it: never one that changes the phase (those go through `RunMachine`). */
export type LoggedEvent = Omit<RunEvent, 'offset' | 'at' | 'type'> & { type: Exclude<RunEvent['type'], PhaseEventType> };

/**
 * The run's append-only event log, addressed by offset from the start of the logical run (carried across
 * continue-as-new), bounded to the newest `EVENT_LOG_CAPACITY` events. Appending is not a command: replay
 * rebuilds the same log. Events come from workflow transitions only, so a retried activity appears once.
 */
export class EventLog {
  private readonly events: RunEvent[];
  private nextOffset: number;
  /** Told after each new event, once the run's fold has taken it (the UI's details redraw). */
  private readonly watchers: Array<() => void> = [];

  /** `onAppend`: told of each new event (the run's fold). */
  constructor(
    carried?: { events: RunEvent[]; next: number },
    private readonly onAppend: (event: RunEvent) => void = () => undefined,
  ) {
    this.events = carried ? [...carried.events] : [];
    this.nextOffset = carried?.next ?? 0;
  }

  append(event: LoggedEvent): void {
    this.push(event);
  }

  /** For `RunMachine.transition` only: the one way a phase event enters the log. */
  appendPhase(event: Omit<RunEvent, 'offset' | 'at'>): void {
    this.push(event);
  }

  private push(fields: Omit<RunEvent, 'offset' | 'at'>): void {
    // Date.now() is the workflow task's time in the sandbox: replay-safe.
    const event: RunEvent = { ...fields, offset: this.nextOffset, at: Date.now() };
    this.events.push(event);
    this.nextOffset += 1;
    if (this.events.length > EVENT_LOG_CAPACITY) this.events.shift();
    this.onAppend(event);
    for (const watcher of this.watchers) watcher();
  }

  /** Calls `watcher` after every event appended from now on (and so after every change of the run). */
  watch(watcher: () => void): void {
    this.watchers.push(watcher);
  }

  get next(): number {
    return this.nextOffset;
  }

  /** Events from `from` on (at most `limit`), and where to go on. */
  page(from: number, limit = PAGE_LIMIT, ended = false): EventPage {
    const firstKept = this.events[0]?.offset ?? this.nextOffset;
    const start = Math.max(0, Math.floor(from) - firstKept);
    const events = this.events.slice(start, start + Math.max(1, Math.min(limit, PAGE_LIMIT)));
    // An empty page keeps the reader where it asked to be (a follower may wait for an offset that does not exist yet).
    const next = events.length ? (events[events.length - 1]?.offset ?? from) + 1 : Math.max(Math.floor(from), firstKept);
    return { events, next, firstKept, ended };
  }

  /** What continue-as-new carries: the newest events (at most `keep`) and the next offset. */
  carry(keep = 200): { events: RunEvent[]; next: number } {
    return { events: this.events.slice(-keep), next: this.nextOffset };
  }

  /** The newest events that fit `maxBytes` of JSON, as a page of an ended log (what an ended run leaves in its memo). */
  endedPage(maxBytes: number): EventPage {
    let bytes = 0;
    let start = this.events.length;
    while (start > 0) {
      const event = this.events[start - 1];
      bytes += utf8Bytes(JSON.stringify(event)) + 1;
      if (bytes > maxBytes) break;
      start -= 1;
    }
    const events = this.events.slice(start);
    return { events, next: this.nextOffset, firstKept: events[0]?.offset ?? this.nextOffset, ended: true };
  }
}
