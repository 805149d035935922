import type { ChatMessage } from '../../contracts/chat-message';
import type { TranscriptDelta } from '../../contracts/planner-io';

export type { TranscriptDelta } from '../../contracts/planner-io';

interface Entry {
  messages: ChatMessage[];
  bytes: number;
}

/** Rough size of a message in memory: its text and its calls' arguments. */
function sizeOf(messages: readonly ChatMessage[]): number {
  let bytes = 0;
  for (const message of messages) {
    bytes += 64 + message.content.length;
    for (const call of message.toolCalls ?? []) bytes += 64 + call.name.length + call.arguments.length;
  }
  return bytes;
}

/**
 * Each run's transcript as this worker has seen it through plan requests, so a request that carries only the
 * new messages is served without querying the workflow. A run's transcript only grows, and its key is the
 * workflow and run id, so a prefix held here is the run's prefix. Bounded in runs and in bytes; the run used
 * least recently is dropped first. A miss (another worker served the previous step, or this one restarted)
 * costs the query it would have cost anyway.
 */
export class TranscriptCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly maxRuns = 500,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /**
   * Merges `delta` into the run's entry and returns the first `count` messages, or undefined when this worker lacks
   * some. A delta from 0 (a run's first request, or a local planner's whole transcript) starts the entry afresh.
   */
  read(key: string, delta: TranscriptDelta, count: number): ChatMessage[] | undefined {
    const entry = delta.from === 0 ? this.put(key) : this.entries.get(key);
    if (!entry) return undefined;
    // A retried request finds its messages already applied.
    if (entry.messages.length === delta.from) this.append(key, entry, delta.messages);
    if (entry.messages.length < count) return undefined;
    this.touch(key, entry);
    return entry.messages.slice(0, count);
  }

  /** Keeps what a query returned, so the run's next requests are served from here. */
  store(key: string, messages: readonly ChatMessage[]): void {
    this.append(key, this.put(key), messages);
  }

  get size(): { runs: number; bytes: number } {
    return { runs: this.entries.size, bytes: this.bytes };
  }

  /** A new, empty entry for the run, replacing any it had. */
  private put(key: string): Entry {
    this.drop(key);
    const entry: Entry = { messages: [], bytes: 0 };
    this.entries.set(key, entry);
    return entry;
  }

  private append(key: string, entry: Entry, messages: readonly ChatMessage[]): void {
    entry.messages.push(...messages);
    const bytes = sizeOf(messages);
    entry.bytes += bytes;
    this.bytes += bytes;
    this.evict(key);
  }

  private touch(key: string, entry: Entry): void {
    // An entry dropped by its own write (one run larger than the bytes bound) is not put back.
    if (!this.entries.delete(key)) return;
    this.entries.set(key, entry);
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.bytes;
    this.entries.delete(key);
  }

  /** Drops the least recently used runs until both bounds hold, never the run just written unless it alone passes the bytes bound. */
  private evict(keep: string): void {
    // The run just written alone exceeds the bytes bound: keep nothing of it, and the other runs.
    if ((this.entries.get(keep)?.bytes ?? 0) > this.maxBytes) this.drop(keep);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxRuns && this.bytes <= this.maxBytes) return;
      if (key !== keep) this.drop(key);
    }
  }
}
