import { InteractionRefusedError, type AgentRunHandle, type Pending, type PendingApproval, type PendingQuestion, type RunEvent } from '../client';
import { approvalCommands, approvalLine, questionLine, replyCommand } from './interaction-output';
import type { HoldableView } from './progress';
import { askLine, PromptAborted, PromptInterrupted } from './prompt-line';
import { within } from './within';

/** Upper bound on the `pending` query of a followed run, so a busy worker cannot stall the progress. */
const PENDING_TIMEOUT_MS = 3_000;

export interface AttendOptions {
  handle: AgentRunHandle;
  /** Ask inline (a terminal on both ends and no `--json`); otherwise print the commands that answer. */
  interactive: boolean;
  /** Prints lines that stay, above the progress. */
  print: (lines: string[]) => void;
  /** The progress view, held while a question is on screen. */
  view?: HoldableView;
}

type Item = { kind: 'approval'; call: PendingApproval } | { kind: 'question'; question: PendingQuestion };

const idOf = (item: Item) => (item.kind === 'approval' ? item.call.callId : item.question.questionId);

/**
 * What an attached `run` does when the run waits for people. Off a terminal, each gated call and question is printed
 * once with the exact commands that answer it (from another terminal) and the run goes on waiting. On a terminal it
 * asks inline, one at a time: y / n (with a reason) / e (edit the arguments) for a call, the answer for a question.
 * A call decided elsewhere meanwhile (another terminal, an expiry) drops its prompt.
 */
export function createAttendant(options: AttendOptions): { onEvent: (event: RunEvent) => void; stop: () => void } {
  const { handle, print } = options;
  const seen = new Set<string>();
  const settled = new Set<string>();
  const queue: Item[] = [];
  let current: { id: string; abort: AbortController } | undefined;
  let asking = false;
  let stopped = false;

  const stop = () => {
    stopped = true;
    queue.length = 0;
    current?.abort.abort(new PromptInterrupted('stopped'));
  };

  const drain = async () => {
    if (asking || stopped) return;
    asking = true;
    try {
      for (let item = queue.shift(); item; item = queue.shift()) {
        if (settled.has(idOf(item))) continue;
        const abort = new AbortController();
        current = { id: idOf(item), abort };
        options.view?.hold();
        try {
          await (item.kind === 'approval' ? askApproval(handle, item.call, abort.signal, print) : askQuestion(handle, item.question, abort.signal, print));
        } catch (error) {
          if (error instanceof PromptInterrupted) stop();
          else if (error instanceof PromptAborted) print([`${idOf(item)} was ${error.message} meanwhile; the prompt is dropped.`]);
          else print([`Could not send the answer for ${idOf(item)}: ${(error as Error).message}`]);
        } finally {
          current = undefined;
          options.view?.resume();
        }
      }
    } finally {
      asking = false;
    }
  };

  const announce = (pending: Pending) => {
    const lines: string[] = [];
    for (const call of pending.approvals) {
      if (seen.has(call.callId)) continue;
      seen.add(call.callId);
      if (options.interactive) queue.push({ kind: 'approval', call });
      else lines.push(`Waiting for approval: ${approvalLine(call)}`, ...approvalCommands(handle.workflowId, call.callId).map((command) => `  ${command}`));
    }
    for (const question of pending.questions) {
      if (seen.has(question.questionId)) continue;
      seen.add(question.questionId);
      if (options.interactive) queue.push({ kind: 'question', question });
      else lines.push(`Waiting for an answer: ${questionLine(question)}`, `  ${replyCommand(handle.workflowId, question.questionId, pending.questions.length > 1)}`);
    }
    if (lines.length > 0) print(lines);
    void drain();
  };

  const onEvent = (event: RunEvent) => {
    if (stopped) return;
    if ((event.type === 'approval_decided' || event.type === 'question_answered') && event.callId) {
      settled.add(event.callId);
      if (current?.id === event.callId) current.abort.abort(new PromptAborted(event.type === 'approval_decided' ? `decided (${event.detail ?? 'elsewhere'})` : `answered (${event.detail ?? 'elsewhere'})`));
      return;
    }
    if (event.type !== 'approval_needed' && event.type !== 'question_asked') return;
    // The event names the call; its arguments and expiry come from the run (read once per new wait).
    void within(handle.pending(), PENDING_TIMEOUT_MS).then((pending) => pending && !stopped && announce(pending));
  };
  return { onEvent, stop };
}

/** y / n / e for one gated call; the decision is sent from here (a refusal is shown and the call asked again). */
async function askApproval(handle: AgentRunHandle, call: PendingApproval, signal: AbortSignal, print: (lines: string[]) => void): Promise<void> {
  print([`Approval needed: ${approvalLine(call)}`]);
  for (;;) {
    const answer = (await askLine(`Approve ${call.callId} (${call.tool})? [y]es / [n]o / [e]dit arguments: `, { signal })).trim().toLowerCase();
    try {
      if (answer === 'y' || answer === 'yes') {
        await handle.approve(call.callId);
        print([`Approved ${call.callId}: it runs now.`]);
        return;
      }
      if (answer === 'n' || answer === 'no') {
        const reason = (await askLine('Reason, for the model (Enter for none): ', { signal })).trim();
        await handle.deny(call.callId, reason || undefined);
        print([`Denied ${call.callId}: it will not run.`]);
        return;
      }
      if (answer === 'e' || answer === 'edit') {
        const edited = await askArguments(call, signal, print);
        if (!edited) continue;
        await handle.approve(call.callId, { arguments: edited });
        print([`Approved ${call.callId} with edited arguments: it runs now.`]);
        return;
      }
      print(['Type y to approve, n to deny, or e to edit the arguments first.']);
    } catch (error) {
      if (!(error instanceof InteractionRefusedError)) throw error;
      print([`Refused: ${error.message}`]);
      if (/already decided|not awaiting|has ended/.test(error.message)) return;
    }
  }
}

/** The arguments as JSON, pre-filled for editing; undefined (asked again) when they are not a JSON object. */
async function askArguments(call: PendingApproval, signal: AbortSignal, print: (lines: string[]) => void): Promise<Record<string, unknown> | undefined> {
  const text = await askLine('Arguments (JSON): ', { signal, initial: JSON.stringify(call.arguments) });
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Said below.
  }
  print([`Expected a JSON object such as {"path":"README.md"}, got ${text}.`]);
  return undefined;
}

async function askQuestion(handle: AgentRunHandle, question: PendingQuestion, signal: AbortSignal, print: (lines: string[]) => void): Promise<void> {
  print([`The model asks (${question.questionId}): ${question.question}`]);
  for (;;) {
    const answer = (await askLine('Your answer: ', { signal })).trim();
    if (!answer) continue;
    await handle.reply(answer, question.questionId);
    print([`Answered ${question.questionId}.`]);
    return;
  }
}
