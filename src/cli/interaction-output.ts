import type { Pending, PendingApproval, PendingQuestion, RunEvent } from '../client';

/** A word as a shell reads it back: left bare when safe, single-quoted otherwise. */
export function shellWord(word: string): string {
  return /^[\w.@:/=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A time as `2026-11-24 01:00:41 UTC`. */
export function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** Arguments on one line, cut to `max` characters. */
function shortJson(value: unknown, max = 200): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One gated call: what it is and when it was asked. */
export function approvalLine(call: PendingApproval): string {
  return `${call.callId}  ${call.tool} ${shortJson(call.arguments)}  (step ${call.step}, asked ${utcTime(call.askedAt)}, expires ${utcTime(call.expiresAt)})`;
}

/** One open question. */
export function questionLine(question: PendingQuestion): string {
  return `${question.questionId}  ${JSON.stringify(question.question)}  (step ${question.step}, asked ${utcTime(question.askedAt)}, expires ${utcTime(question.expiresAt)})`;
}

/** The commands that decide on a gated call. */
export function approvalCommands(workflowId: string, callId: string): string[] {
  const id = shellWord(workflowId);
  return [
    `durable-agent approve ${id} ${shellWord(callId)}   # add --args '{…}' to run it with edited arguments`,
    `durable-agent deny ${id} ${shellWord(callId)} --reason "…"`,
  ];
}

/** The command that answers a question; it names the question only when others are open too. */
export function replyCommand(workflowId: string, questionId: string, named: boolean): string {
  return `durable-agent reply ${shellWord(workflowId)} "…"${named ? ` --question ${shellWord(questionId)}` : ''}`;
}

/** `pending` for people: the calls, the questions, then the exact commands that answer each. */
export function pendingText(workflowId: string, pending: Pending, status: string): string {
  const { approvals, questions } = pending;
  if (approvals.length === 0 && questions.length === 0) return `${workflowId}: nothing awaits a decision or an answer (status ${status}).\n`;
  const lines = [`${workflowId}: ${status}`];
  if (approvals.length > 0) lines.push('', `Calls awaiting a decision (${approvals.length}):`, ...approvals.map((call) => `  ${approvalLine(call)}`));
  if (questions.length > 0) lines.push('', `Open questions (${questions.length}):`, ...questions.map((question) => `  ${questionLine(question)}`));
  lines.push('', 'To answer:');
  for (const call of approvals) lines.push(...approvalCommands(workflowId, call.callId).map((command) => `  ${command}`));
  for (const question of questions) lines.push(`  ${replyCommand(workflowId, question.questionId, questions.length > 1)}`);
  return `${lines.join('\n')}\n`;
}

/** `follow` for people: one line per event (`#3 14:02:11 step 1 approval_needed s1-1 deploy · …`). */
export function eventLine(event: RunEvent): string {
  const time = new Date(event.at).toISOString().slice(11, 19);
  const subject = [event.callId, event.tool].filter(Boolean).join(' ');
  return `#${event.offset} ${time} step ${event.step} ${event.type}${subject ? ` ${subject}` : ''}${event.detail ? ` · ${event.detail}` : ''}`;
}
