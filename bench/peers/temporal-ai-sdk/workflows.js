// @ts-check
/**
 * Workflow code (Temporal's sandbox). The AI SDK's own tool loop, `generateText`, with Temporal's provider: every
 * model call is the plugin's `invokeModel` activity and every tool call is the `work` activity, the calls of one
 * step in parallel. No summarizer, no transcript by reference: the whole conversation travels in each model
 * activity's input, as the integration is documented to be used.
 */
const { generateText, isStepCount, jsonSchema, tool } = require('ai');
const { temporalProvider } = require('@temporalio/ai-sdk/workflow');
const { proxyActivities } = require('@temporalio/workflow');

/** The same limit as durable-agent's default tool timeout (30 s). */
const TOOL_TIMEOUT = '30 seconds';

/** @typedef {{ ms: number; bytes?: number }} WorkInput */

/** @type {{ work(input: WorkInput): Promise<string> }} */
const { work } = proxyActivities({ startToCloseTimeout: TOOL_TIMEOUT });

const workTool = tool({
  description: 'Sleeps for `ms` milliseconds and returns `bytes` bytes of text.',
  inputSchema: /** @type {import('ai').Schema<WorkInput>} */ (
    jsonSchema({
      type: 'object',
      properties: { ms: { type: 'integer', minimum: 0 }, bytes: { type: 'integer', minimum: 0, default: 16 } },
      required: ['ms'],
      additionalProperties: false,
    })
  ),
  execute: (input) => work(input),
});

/**
 * @param {{ goal: string; model: string; maxSteps: number; maxParallel: number }} input
 * @returns {Promise<{ text: string; steps: number; toolCalls: number; toolErrors: number }>}
 */
async function aiSdkAgent(input) {
  const result = await generateText({
    model: temporalProvider.languageModel(input.model),
    system: 'bench',
    prompt: input.goal,
    tools: { work: workTool },
    stopWhen: isStepCount(input.maxSteps),
    toolCallConcurrency: input.maxParallel,
  });
  let toolCalls = 0;
  let toolErrors = 0;
  for (const step of result.steps) {
    toolCalls += step.toolCalls.length;
    toolErrors += step.content.filter((part) => part.type === 'tool-error').length;
  }
  return { text: result.text, steps: result.steps.length, toolCalls, toolErrors };
}

module.exports = { aiSdkAgent };
