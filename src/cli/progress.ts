import { clearScreenDown, moveCursor } from 'node:readline';
import colors from 'picocolors';
import type { AgentState, FinishedCall } from '../workflows/agent/run-state';
import type { ModelStreamChunk } from '../contracts/model-text';
import { LiveText } from './live-text';

/** Shows a run's progress: a redrawn block on a terminal, one plain line per event otherwise. */
export interface ProgressView {
  update(state: AgentState, now?: number): void;
  /** Prints lines that stay (what the run waits for), above the progress, which is drawn again below them. */
  note(lines: readonly string[]): void;
  /** Leaves the last frame on screen. */
  done(): void;
  /** The model's live text (docs/streaming.md): drawn under the progress on a terminal, printed as it comes otherwise. */
  text?(chunk: ModelStreamChunk): void;
}

function seconds(ms: number): string {
  return ms < 1_000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

function finishedLine(call: FinishedCall): string {
  const mark = call.ok ? colors.green('✓') : colors.red('✗');
  return `${mark} ${call.tool} (${call.id}) ${seconds(call.durationMs)}${call.errorType ? ` ${colors.red(call.errorType)}` : ''}`;
}

function headline(state: AgentState): string {
  const tokens = state.usage.inputTokens + state.usage.outputTokens;
  return `step ${state.step}/${state.maxSteps} · ${tokens} tokens · tools ${state.toolCalls.ok} ok / ${state.toolCalls.failed} failed`;
}

/** Redraws a small block in place (cursor up, clear, write), with the model's text under way at its foot. */
function terminalView(stream: NodeJS.WriteStream): ProgressView {
  let drawn = 0;
  let latest: AgentState | undefined;
  const live = new LiveText();
  const clear = () => {
    if (drawn > 0) {
      moveCursor(stream, 0, -drawn);
      clearScreenDown(stream);
    }
  };
  const draw = (state: AgentState, now = Date.now()) => {
    latest = state;
    const lines = [colors.bold(headline(state))];
    for (const call of state.pending) lines.push(`  ${colors.yellow('…')} ${call.tool} (${call.id}) ${seconds(now - call.startedAt)}`);
    for (const call of state.recent.slice(-6)) lines.push(`  ${finishedLine(call)}`);
    for (const line of live.lines(stream.columns || 80)) lines.push(`  ${colors.dim(line)}`);
    clear();
    stream.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  return {
    update: draw,
    note(lines) {
      clear();
      stream.write(`${lines.join('\n')}\n`);
      drawn = 0;
    },
    done() {
      drawn = 0;
    },
    text(chunk) {
      if (live.apply(chunk) && latest) draw(latest);
    },
  };
}

/**
 * Prints the model's text as it comes, on lines of its own (`  model: …`); a retried call starts a new line that says so.
 * `end` closes an open line before something else is printed.
 */
export function inlineText(stream: NodeJS.WritableStream): { text(chunk: ModelStreamChunk): void; end(): void } {
  let open = false;
  const end = () => {
    if (open) stream.write('\n');
    open = false;
  };
  return {
    end,
    text(chunk) {
      if (chunk.type === 'reset') {
        end();
        stream.write(`  model (attempt ${chunk.attempt}, starting over): `);
        open = true;
      } else if (chunk.type === 'text' || chunk.type === 'gap') {
        if (!open) stream.write('  model: ');
        open = true;
        stream.write(chunk.type === 'gap' ? '…' : chunk.text.replace(/\n/g, '\n    '));
      } else if (chunk.type === 'done') end();
    },
  };
}

/** Prints only what changed, one line per event, grouped under their step: safe for logs and pipes. */
function plainView(stream: NodeJS.WritableStream): ProgressView {
  let printedStep = 0;
  const started = new Set<string>();
  const finished = new Set<string>();
  const inline = inlineText(stream);
  return {
    text: (chunk) => inline.text(chunk),
    update(state) {
      // Only what changed is printed (a redraw of the same state prints nothing, and leaves a line of text open).
      const out: string[] = [];
      const enter = (step: number) => {
        if (step <= printedStep) return;
        printedStep = step;
        out.push(`step ${step}/${state.maxSteps}`);
      };
      for (const call of state.recent) {
        if (finished.has(call.id)) continue;
        finished.add(call.id);
        enter(call.step);
        out.push(`  ${finishedLine(call)}`);
      }
      enter(state.step);
      for (const call of state.pending) {
        if (started.has(call.id) || finished.has(call.id)) continue;
        started.add(call.id);
        out.push(`  → ${call.tool} (${call.id}) started`);
      }
      if (out.length === 0) return;
      inline.end();
      stream.write(`${out.join('\n')}\n`);
    },
    note(lines) {
      inline.end();
      stream.write(`${lines.join('\n')}\n`);
    },
    done() {
      inline.end();
    },
  };
}

/** A view whose drawing can be held (while the terminal asks a question); `resume` draws the latest state. */
export interface HoldableView extends ProgressView {
  hold(): void;
  resume(): void;
}

function holdable(view: ProgressView): HoldableView {
  let held = false;
  let latest: AgentState | undefined;
  return {
    update(state, now) {
      latest = state;
      if (!held) view.update(state, now);
    },
    note(lines) {
      view.note(lines);
    },
    done() {
      view.done();
    },
    text(chunk) {
      if (!held) view.text?.(chunk);
    },
    hold() {
      held = true;
    },
    resume() {
      held = false;
      if (latest) view.update(latest);
    },
  };
}

export function createProgressView(stream: NodeJS.WriteStream): HoldableView {
  return holdable(stream.isTTY ? terminalView(stream) : plainView(stream));
}
