import { z } from 'zod';
import { defineMcpTool } from './mcp-tool';
import { sendToLiveRun } from './run-access';
import { RUN_ID } from './tool-inputs';

/** `reply`: answers the model's open question (`ask_user`). */
export const replyTool = defineMcpTool({
  name: 'reply',
  title: "Answer a run's question",
  description:
    'Answer a question the model of a run asked (status waiting_for_input; see pending). Name the question with questionId when several are open. ' +
    'Refused, with nothing recorded, if no question is open.',
  input: {
    runId: RUN_ID,
    text: z.string().min(1).max(100_000).describe('The answer, as the model will read it.'),
    questionId: z.string().min(1).optional().describe('Which question, as pending shows it; optional when exactly one is open.'),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run({ runId, text, questionId }, context) {
    const answered = await sendToLiveRun(context, runId, 'answer', (handle) => handle.reply(text, questionId));
    return { text: `Answered question ${answered.questionId} of run ${runId}; it goes on.`, data: { runId, questionId: answered.questionId } };
  },
});
