import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { withAgent } from '../helpers/agent';
import { CLI_PATH } from '../helpers/cli';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';

const PTY_RUN = join(__dirname, '..', 'helpers', 'pty-run.py');
/** Ctrl-U: readline clears the line (the pre-filled arguments) before the edited ones are typed. */
const CLEAR_LINE = '\u0015';

/** Runs the CLI on a pseudo-terminal, typing `steps` ([regex, text]) as the prompts appear. */
function onTerminal(steps: Array<[string, string]>, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; screen: string; stderr: string }> {
  const child = spawn('python3', [PTY_RUN, JSON.stringify(steps), process.execPath, CLI_PATH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let screen = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, screen, stderr })));
}

/** An attached `run` on a terminal asks y / n / edit inline (issue 13 item 6), against the real server. */
describe('durable-agent run on a terminal', () => {
  jest.setTimeout(180_000);

  it('asks for each gated call inline: y approves, n denies with a reason, e runs it with edited arguments', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-cli-prompt-'));
    try {
      const script = join(folder, 'gated.json');
      const calls = [{ path: '.' }, { path: 'src' }, { path: 'docs' }].map((args) => ({ name: 'list_dir', arguments: args }));
      writeFileSync(script, JSON.stringify({ turns: [{ toolCalls: calls }, { content: 'Done. I saw: {{observations}}' }] }));
      const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...rest } = process.env;
      const env = { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: uniqueTaskQueue('cli-prompt'), NO_COLOR: '1', TERM: 'xterm' };
      const { code, screen, stderr } = await onTerminal(
        [
          ['Approve s1-1 \\(list_dir\\)\\? \\[y\\]es / \\[n\\]o / \\[e\\]dit arguments: ', 'y\r'],
          ['Approve s1-2 \\(list_dir\\)\\?.*: ', 'n\r'],
          ['Reason, for the model \\(Enter for none\\): ', 'not that folder\r'],
          ['Approve s1-3 \\(list_dir\\)\\?.*: ', 'e\r'],
          ['Arguments \\(JSON\\): ', `${CLEAR_LINE}{"path":"test"}\r`],
        ],
        ['run', '--script', script, '--require-approval', 'list_dir', 'look', 'around'],
        env,
      );
      expect({ code, stderr: stderr.includes('pty-run:') ? stderr : '' }).toEqual({ code: 0, stderr: '' });
      expect(screen).toMatch(/Approval needed: s1-1 {2}list_dir \{"path":"\."\}/);
      expect(screen).toContain('Approved s1-1: it runs now.');
      expect(screen).toContain('Denied s1-2: it will not run.');
      expect(screen).toContain('Approved s1-3 with edited arguments: it runs now.');
      // What the model saw: the denial with its reason, and the edited call's result (the test folder, not docs).
      expect(screen).toContain('ToolDenied: a person denied the call: not that folder');
      expect(screen).toMatch(/helpers/);
      expect(screen).toMatch(/status final/);
      // On a terminal the prompt replaces the printed commands.
      expect(screen).not.toContain('durable-agent approve');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('chat on a terminal is a prompt: each line is a turn of the session, an empty line leaves it running', async () => {
    const script = { turns: [{ content: 'first answer (turn {{turn}})' }, { content: 'second answer (turn {{turn}})' }] };
    await withAgent(script, [], async ({ client, taskQueue }) => {
      const env = { ...process.env, TEMPORAL_ADDRESS: testConfig().address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue, NO_COLOR: '1', TERM: 'xterm' };
      const id = `${taskQueue}-tty-chat`;
      const { code, screen } = await onTerminal(
        [
          ['type a message, an empty line ends\\.[\\s\\S]*> ', 'hello\r'],
          ['first answer \\(turn 1\\)[\\s\\S]*> ', 'and again\r'],
          ['second answer \\(turn 2\\)[\\s\\S]*> ', '\r'],
        ],
        ['chat', id, '--goal', 'a terminal chat'],
        env,
      );
      expect(code).toBe(0);
      expect(screen).toContain(`Session ${id}: type a message, an empty line ends.`);
      // The session stays: it is idle, waiting for the next message, until closed.
      const session = client.workflow.getHandle(id);
      expect((await session.describe()).status.name).toBe('RUNNING');
      await client.workflow.getHandle(id).executeUpdate('close', { args: [] });
      expect((await session.result()) as AgentRunResult).toMatchObject({ status: 'final', answer: 'second answer (turn 2)' });
    });
  });
});
