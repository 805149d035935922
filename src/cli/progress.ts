import { clearScreenDown, moveCursor } from 'node:readline';
import colors from 'picocolors';
import type { AgentState, FinishedCall } from '../workflows/agent/run-state';

/** Shows a run's progress: a redrawn block on a terminal, one plain line per event otherwise. */
export interface ProgressView {
  update(state: AgentState, now?: number): void;
  /** Prints lines that stay (what the run waits for), above the progress, which is drawn again below them. */
  note(lines: readonly string[]): void;
  /** Leaves the last frame on screen. */
  done(): void;
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

/** Redraws a small block in place (cursor up, clear, write). */
function terminalView(stream: NodeJS.WriteStream): ProgressView {
  let drawn = 0;
  return {
    update(state, now = Date.now()) {
      const lines = [colors.bold(headline(state))];
      for (const call of state.pending) lines.push(`  ${colors.yellow('…')} ${call.tool} (${call.id}) ${seconds(now - call.startedAt)}`);
      for (const call of state.recent.slice(-6)) lines.push(`  ${finishedLine(call)}`);
      if (drawn > 0) {
        moveCursor(stream, 0, -drawn);
        clearScreenDown(stream);
      }
      stream.write(`${lines.join('\n')}\n`);
      drawn = lines.length;
    },
    note(lines) {
      if (drawn > 0) {
        moveCursor(stream, 0, -drawn);
        clearScreenDown(stream);
      }
      stream.write(`${lines.join('\n')}\n`);
      drawn = 0;
    },
    done() {
      drawn = 0;
    },
  };
}

/** Prints only what changed, one line per event, grouped under their step: safe for logs and pipes. */
function plainView(stream: NodeJS.WritableStream): ProgressView {
  let printedStep = 0;
  const started = new Set<string>();
  const finished = new Set<string>();
  const enterStep = (step: number, maxSteps: number) => {
    if (step <= printedStep) return;
    printedStep = step;
    stream.write(`step ${step}/${maxSteps}\n`);
  };
  return {
    update(state) {
      for (const call of state.recent) {
        if (finished.has(call.id)) continue;
        finished.add(call.id);
        enterStep(call.step, state.maxSteps);
        stream.write(`  ${finishedLine(call)}\n`);
      }
      enterStep(state.step, state.maxSteps);
      for (const call of state.pending) {
        if (started.has(call.id) || finished.has(call.id)) continue;
        started.add(call.id);
        stream.write(`  → ${call.tool} (${call.id}) started\n`);
      }
    },
    note(lines) {
      stream.write(`${lines.join('\n')}\n`);
    },
    done() {},
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
