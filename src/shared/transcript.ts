import type { ChatMessage, Observation } from './model';

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
