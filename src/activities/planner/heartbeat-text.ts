import type { Context } from '@temporalio/activity';
import { STREAM_INTERVAL_MS, STREAM_WINDOW_CHARS, type ModelTextDetails } from '../../contracts/model-text';

/**
 * Heartbeats what the model has written so far (docs/streaming.md): at once when the call starts (so a client sees a
 * retry's reset at once), then at most every STREAM_INTERVAL_MS while text comes, and the latest details again every
 * few seconds to stay alive. Only a heartbeat's latest details are kept by the server, so each carries the whole text
 * so far (its last STREAM_WINDOW_CHARS). Without streaming, it only keeps the call alive.
 */
export class HeartbeatText {
  private readonly step: number;
  private readonly attempt: number;
  private text = '';
  private calls: string[] = [];
  private lastSent = 0;
  private timer?: NodeJS.Timeout;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly activity: Context,
    step: number,
    readonly streaming: boolean,
    /** How often to heartbeat when nothing new was written (the planner's heartbeat timeout is 30 s). */
    keepAliveMs: number,
    /** The text so far of a call this activity took over (a handed-over local call): sent with the first heartbeat. */
    initial?: { text: string; calls: string[] },
  ) {
    this.step = step;
    this.attempt = activity.info.attempt;
    if (initial) {
      this.text = initial.text;
      this.calls = initial.calls;
    }
    this.send();
    this.keepAlive = setInterval(() => this.send(), keepAliveMs);
  }

  /** Notes the text so far (kept by reference: the window is cut only when a heartbeat goes out). */
  update(text: string, calls: string[]): void {
    this.text = text;
    this.calls = calls;
    if (this.timer) return;
    const wait = this.lastSent + STREAM_INTERVAL_MS - Date.now();
    if (wait <= 0) this.send();
    else this.timer = setTimeout(() => this.send(), wait);
  }

  stop(): void {
    clearInterval(this.keepAlive);
    clearTimeout(this.timer);
  }

  private details(): ModelTextDetails | { step: number } {
    if (!this.streaming) return { step: this.step };
    const offset = Math.max(0, this.text.length - STREAM_WINDOW_CHARS);
    return { kind: 'model_text', step: this.step, attempt: this.attempt, offset, text: this.text.slice(offset), ...(this.calls.length ? { calls: this.calls } : {}) };
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastSent = Date.now();
    this.activity.heartbeat(this.details());
  }
}
