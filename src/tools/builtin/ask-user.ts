import { ASK_USER_TOOL_NAME, AskUserInputSchema } from '../../core/ask-user-input';
import { defineWorkflowTool, type WorkflowTool } from '../define-workflow-tool';

/**
 * The `ask_user` built-in. It never runs on a worker: the workflow records the question, shows the run as
 * `waiting_for_input`, and waits (at zero compute, for as long as `approvalTimeoutMs`) for a `reply` Update;
 * the answer is the tool's result.
 */
export function createAskUserTool(): WorkflowTool {
  return defineWorkflowTool({
    name: ASK_USER_TOOL_NAME,
    description: 'Ask the person you work for a question and wait for the answer. Use it when you need a fact or a decision only they have.',
    input: AskUserInputSchema,
    summaryField: 'question',
    executor: { kind: 'question' },
  });
}
