import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentRunHandle, ModelStreamChunk } from '../client';

/** After a failed read of the run, how long before reading again (the run's end stops the stream anyway). */
const RETRY_MS = 300;

/** Where a call's text stands: its step, attempt and characters. */
interface Position {
  step: number;
  attempt: number;
  chars: number;
}

/**
 * Feeds the model's live text (`handle.stream()`, docs/streaming.md) to `show` until `signal` aborts or the run ends.
 * A failed read is tried again; a reconnected stream starts with the text so far of the call under way, of which
 * `show` gets only what it has not had, so nothing is shown twice.
 */
export async function followText(handle: AgentRunHandle, show: (chunk: ModelStreamChunk) => void, signal: AbortSignal): Promise<void> {
  let shown: Position | undefined;
  /** The call whose text was shown and whose `done` was not (yet). */
  let unfinished: Position | undefined;
  const same = (a: Position | undefined, chunk: ModelStreamChunk) => a !== undefined && a.step === chunk.step && a.attempt === chunk.attempt;
  while (!signal.aborted) {
    let read: Position | undefined;
    try {
      for await (const chunk of handle.stream({ signal })) {
        if (chunk.type === 'reset' || !same(read, chunk)) read = { step: chunk.step, attempt: chunk.attempt, chars: 0 };
        unfinished = chunk.type === 'done' ? undefined : { step: chunk.step, attempt: chunk.attempt, chars: 0 };
        if (chunk.type !== 'text' && chunk.type !== 'gap') {
          show(chunk);
          if (chunk.type === 'reset') shown = { step: chunk.step, attempt: chunk.attempt, chars: 0 };
          continue;
        }
        const from = read!.chars;
        read!.chars += chunk.type === 'text' ? chunk.text.length : chunk.skipped;
        if (!same(shown, chunk)) {
          // A reconnect that finds the step's call retried meanwhile: its text starts over.
          if (shown?.step === chunk.step) show({ type: 'reset', step: chunk.step, attempt: chunk.attempt });
          shown = { step: chunk.step, attempt: chunk.attempt, chars: 0 };
        }
        const skip = Math.max(0, shown!.chars - from);
        shown!.chars = Math.max(shown!.chars, read!.chars);
        if (chunk.type === 'gap') {
          if (skip === 0) show(chunk);
        } else if (skip < chunk.text.length) show({ ...chunk, text: chunk.text.slice(skip) });
      }
      // The run ended. A stream that reconnected after its end never saw the call it was showing end: end it here.
      if (unfinished && !signal.aborted) show({ type: 'done', step: unfinished.step, attempt: unfinished.attempt });
      return;
    } catch {
      if (!signal.aborted) await sleep(RETRY_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}

/** The model's text under way, as a terminal shows it: a call's text, the tool calls it begins, and its attempt. */
export class LiveText {
  private step = 0;
  private attempt = 1;
  private text = '';
  private calls: string[] = [];

  /** Applies a chunk; returns whether what is shown changed. */
  apply(chunk: ModelStreamChunk): boolean {
    if (chunk.step !== this.step || chunk.type === 'reset') {
      this.step = chunk.step;
      this.text = '';
      this.calls = [];
    }
    this.attempt = chunk.attempt;
    switch (chunk.type) {
      case 'text':
        this.text += chunk.text;
        return true;
      case 'gap':
        this.text += '…';
        return true;
      case 'calls':
        this.calls = chunk.names;
        return true;
      case 'done':
        this.text = '';
        this.calls = [];
        return true;
      case 'reset':
        return true;
    }
  }

  /** At most `rows` lines of `width` characters: the end of the text, then the calls begun (none once the call is done). */
  lines(width: number, rows = 3): string[] {
    const head = this.attempt > 1 ? `model (attempt ${this.attempt}): ` : 'model: ';
    const flat = `${head}${this.text.replace(/\s+/g, ' ').trimStart()}`;
    if (this.text === '' && this.calls.length === 0) return [];
    const wrapped: string[] = [];
    const size = Math.max(20, width - 4);
    for (let at = 0; at < flat.length; at += size) wrapped.push(flat.slice(at, at + size));
    const shown = this.text === '' ? [] : wrapped.slice(-rows);
    if (this.calls.length) shown.push(`calling ${this.calls.join(', ')}`);
    return shown;
  }
}
