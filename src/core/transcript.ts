import type { ChatMessage } from '../contracts/chat-message';
import type { Observation } from './model';
import { utf8Bytes } from './summarize';

export const DEFAULT_SYSTEM_PROMPT =
  'You are an agent that reaches a goal by calling tools. Call several independent tools in one answer when you can: ' +
  'they run in parallel. Tool results come back summarized; large outputs are cut in the middle and say how many bytes ' +
  'were omitted. When you have what you need, answer without calling a tool.';

/** Prefix of the user message that carries a step's tally line. */
export const OBSERVATION_PREFIX = 'Observation: ';

/** The first two messages of every run. */
export function openingMessages(goal: string, systemPrompt: string = DEFAULT_SYSTEM_PROMPT): ChatMessage[] {
  return [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: goal },
  ];
}

/**
 * The messages that report a step back to the model: one `tool` message per call (its bounded preview)
 * and one user message with the tally line.
 */
export function observationMessages(observation: Observation): ChatMessage[] {
  const toolMessages: ChatMessage[] = observation.results.map((entry) => ({
    role: 'tool',
    toolCallId: entry.callId,
    content: entry.ok ? entry.preview : `Error: ${entry.preview}`,
  }));
  return [...toolMessages, { role: 'user', content: `${OBSERVATION_PREFIX}${observation.summary}` }];
}

/** The user message of the last, tool-less turn at the step cap. */
export function finalTurnMessage(maxSteps: number): ChatMessage {
  return {
    role: 'user',
    content: `The step limit (${maxSteps}) is reached and no more tools can run. Answer now from what you have.`,
  };
}

/** The user message of the last, tool-less turn when the budget is used up (`onExhausted: 'stop'`). */
export function budgetFinalTurnMessage(why: string): ChatMessage {
  return { role: 'user', content: `${why} No more tools can run. Answer now from what you have.` };
}

/** Marker of a compacted transcript; the scripted model reads N from it to keep counting turns. */
export const OMITTED_TURNS_PATTERN = /\[durable-agent: (\d+) earlier turns omitted\]/;

/** Bytes a transcript takes as JSON (what continue-as-new carries in its input). */
export function transcriptBytes(messages: readonly ChatMessage[]): number {
  return utf8Bytes(JSON.stringify(messages));
}

/**
 * Compacts a transcript for continue-as-new: keeps the system prompt, the goal and the last `keepSteps` steps
 * whole, and replaces the older steps with one note that says how many turns were dropped and repeats their
 * tally lines (the newest 20). Cuts only at an assistant message, so tool calls and results stay paired.
 * With `maxBytes`, fewer steps are kept (down to none) until the transcript fits: the carried input stays
 * bounded whatever the steps hold.
 */
export function compactTranscript(
  messages: readonly ChatMessage[],
  keepSteps: number,
  omittedBefore: number,
  maxBytes?: number,
): { messages: ChatMessage[]; omittedTurns: number } {
  const [system, goal, ...rest] = messages;
  if (!system || !goal) return { messages: [...messages], omittedTurns: omittedBefore };
  const body = rest.filter((message) => !(message.role === 'user' && OMITTED_TURNS_PATTERN.test(message.content)));
  const starts = body.flatMap((message, index) => (message.role === 'assistant' ? [index] : []));
  const fits = (candidate: readonly ChatMessage[]) => maxBytes === undefined || transcriptBytes(candidate) <= maxBytes;
  if (starts.length <= keepSteps && fits(messages)) return { messages: [system, goal, ...rest], omittedTurns: omittedBefore };
  let keep = Math.min(keepSteps, starts.length);
  for (;;) {
    const cut = keep === 0 ? body.length : (starts[starts.length - keep] ?? 0);
    const dropped = body.slice(0, cut);
    const omittedTurns = omittedBefore + dropped.filter((message) => message.role === 'assistant').length;
    const tallies = dropped
      .filter((message) => message.role === 'user' && message.content.startsWith(OBSERVATION_PREFIX))
      .map((message) => message.content.slice(OBSERVATION_PREFIX.length, OBSERVATION_PREFIX.length + 500));
    const note: ChatMessage = {
      role: 'user',
      content: `[durable-agent: ${omittedTurns} earlier turns omitted] The transcript was compacted. Tally lines of the latest omitted steps:\n${tallies.slice(-20).join('\n')}`,
    };
    const compacted = [system, goal, note, ...body.slice(cut)];
    if (keep === 0 || fits(compacted)) return { messages: compacted, omittedTurns };
    keep -= 1;
  }
}
