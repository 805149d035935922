import { ERROR_TYPES } from '../../src/contracts/error-types';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { recordHistory } from '../helpers/agent';
import { withTestWorker } from '../helpers/temporal';

/** One outcome rule (issue 12): every agent outcome is an `AgentRunResult`; only bugs and infrastructure fail the workflow. */
describe('every agent outcome is a result', () => {
  jest.setTimeout(60_000);

  it('an invalid input (sent past the client) ends the run with a failed result, not a failed workflow', async () => {
    await withTestWorker('outcome', async ({ client, taskQueue }) => {
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-invalid`, args: [{ goal: '   ', maxSteps: 0 }] });
      const result = (await handle.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'failed', steps: 0, error: { type: ERROR_TYPES.agentInputInvalid } });
      expect(result.error?.message).toMatch(/goal: expected a non-empty goal/);
      expect(result.error?.message).toMatch(/maxSteps/);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      await recordHistory(handle, 'agent-invalid-run-input');
    });
  });

  it('a worker with no model configured fails the run with its own error type', async () => {
    await withTestWorker(
      'no-model',
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'anything' }] });
        const result = (await handle.result()) as AgentRunResult;
        expect(result).toMatchObject({ status: 'failed', error: { type: ERROR_TYPES.modelNotConfigured } });
        expect(result.answer).toContain('set OPENAI_API_KEY');
      },
      { model: { defaultModel: 'gpt-4o-mini', requestTimeoutMs: 10_000 } },
    );
  });
});
