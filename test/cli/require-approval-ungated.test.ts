import { AgentClient, InvalidRunInputError, RunNotFoundError, validateRunInput } from '../../src/client';
import { runCli } from '../helpers/cli';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';

const MESSAGE = /Expected `requireApproval` to name tools that run as activities, got `[^`]+`: `wait` is a durable timer and `ask_user` already waits for a person; they cannot be gated/;

/** `requireApproval` naming `wait` or `ask_user` (which nothing gates: they are no activities) is refused before a run exists. */
describe('requireApproval of tools that cannot be gated', () => {
  jest.setTimeout(60_000);

  it('AgentClient.start refuses `wait` and `ask_user` with InvalidRunInputError, and starts nothing', async () => {
    const agent = await AgentClient.connect(testConfig());
    try {
      for (const requireApproval of [['wait'], ['read_file', 'ask_user']]) {
        const workflowId = uniqueTaskQueue('ungated');
        const started = agent.start({ goal: 'gate the timer', requireApproval }, { workflowId });
        await expect(started).rejects.toThrow(InvalidRunInputError);
        await expect(started).rejects.toThrow(MESSAGE);
        await expect(agent.getHandle(workflowId).describe()).rejects.toThrow(RunNotFoundError);
      }
    } finally {
      await agent.close();
    }
  });

  it('a pattern is refused when the known catalogue says it matches only those; unknown to the caller, it is left to the run', () => {
    const catalogue = ['read_file', 'list_dir', 'http_get', 'wait', 'ask_user'];
    expect(() => validateRunInput({ goal: 'g', requireApproval: ['ask_*'] }, catalogue)).toThrow(MESSAGE);
    expect(() => validateRunInput({ goal: 'g', requireApproval: ['wai*', 'list_dir'] }, catalogue)).toThrow(/got `wai\*`:/);
    // Patterns that gate some activity are fine, and so is a pattern when the catalogue is not known.
    expect(validateRunInput({ goal: 'g', requireApproval: ['*', '*_dir'] }, catalogue).requireApproval).toEqual(['*', '*_dir']);
    expect(validateRunInput({ goal: 'g', requireApproval: ['ask_*'] }).requireApproval).toEqual(['ask_*']);
  });

  it('durable-agent run exits 2 with the message: --require-approval wait, ask_user (also detached), or a pattern that matches only them', async () => {
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, DURABLE_AGENT_MCP_CONFIG: _mcp, ...rest } = process.env;
    const env = { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, NO_COLOR: '1' };
    for (const args of [
      ['--require-approval', 'wait'],
      ['--detach', '--require-approval', 'list_dir,ask_user'],
      ['--require-approval', 'ask_*'],
    ]) {
      const result = await runCli(['run', ...args, 'gate', 'the', 'timer'], env);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(MESSAGE);
      expect(result.stdout).toBe('');
    }
  });
});
