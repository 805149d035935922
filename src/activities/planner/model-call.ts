import type { ToolSpec } from '../../contracts/tool-spec';
import type { ReadContext } from './context-reader';
import type { OnProgress } from './stream-completion';

/** What the model has written so far. */
export interface ModelProgress {
  text: string;
  calls: string[];
}

/**
 * One request to the model, from its start to its answer, independent of the activity that started it: a local call
 * of a run planning `auto` that outlives its hand-off time is parked ({@link ParkedCalls}) and taken over by the run's
 * `plan` activity, which streams the rest of it (docs/agent-loop.md, "The planner's mode"). Its progress goes to one
 * listener at a time; the latest is kept, so the activity that takes it over starts from the text so far.
 */
export class ModelCall {
  private readonly controller = new AbortController();
  private listener?: OnProgress;
  private progress: ModelProgress = { text: '', calls: [] };
  /** The raw completion (a rejection is the model's error, classified by the activity that awaits it). */
  readonly answer: Promise<unknown>;

  constructor(
    /** What the model is shown, and where it was read from. */
    readonly context: ReadContext,
    /** The model asked. */
    readonly model: string,
    /** The tools offered. */
    readonly tools: ToolSpec[],
    /** Whether the answer is streamed (its text can be heartbeated as it comes). */
    readonly streamed: boolean,
    ask: (signal: AbortSignal, onProgress: OnProgress) => Promise<unknown>,
  ) {
    this.answer = ask(this.controller.signal, (progress) => {
      this.progress = progress;
      this.listener?.(progress);
    });
    // Awaited by whichever activity holds the call; a parked call nobody takes must not be an unhandled rejection.
    this.answer.catch(() => undefined);
  }

  /** What the model has written so far. */
  get written(): ModelProgress {
    return this.progress;
  }

  /** Sends the progress to `listener` from now on. */
  listen(listener: OnProgress): void {
    this.listener = listener;
  }

  /** Aborts the request when `signal` aborts (an activity's cancellation); returns the unlink. */
  follow(signal: AbortSignal): () => void {
    const abort = () => this.abort();
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort);
    return () => signal.removeEventListener('abort', abort);
  }

  abort(): void {
    this.listener = undefined;
    this.controller.abort();
  }

  /** Whether the call ended (answer or error) within `ms`. */
  async endsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([this.answer.then(() => true as const, () => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The model calls a worker has handed over, each kept for `keepMs` for the activity that takes it, then aborted: an
 * activity that runs on another worker (or none, the run having been cancelled) asks the model anew.
 */
export class ParkedCalls {
  private readonly calls = new Map<string, { call: ModelCall; timer: NodeJS.Timeout }>();

  constructor(private readonly keepMs: number) {}

  park(key: string, call: ModelCall): void {
    const timer = setTimeout(() => {
      this.calls.delete(key);
      call.abort();
    }, this.keepMs);
    timer.unref();
    this.calls.set(key, { call, timer });
  }

  /** The call parked under `key`, once; undefined when this worker has none. */
  take(key: string): ModelCall | undefined {
    const parked = this.calls.get(key);
    if (!parked) return undefined;
    this.calls.delete(key);
    clearTimeout(parked.timer);
    return parked.call;
  }

  get size(): number {
    return this.calls.size;
  }
}
