import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeTcp } from '../../src/config/connect';
import { runCli, startCli, waitForOutput } from '../helpers/cli';
import { until } from '../helpers/until';
import { startHttpTestServer, type HttpTestServer } from '../helpers/http-server';
import { freePortPair } from '../helpers/ports';

/** The CLI as a user runs it, against the shared dev server (TEMPORAL_ADDRESS). */
describe('durable-agent CLI', () => {
  jest.setTimeout(120_000);
  let folder: string;
  let env: NodeJS.ProcessEnv;
  let server: HttpTestServer;

  const script = (name: string, value: unknown): string => {
    const path = join(folder, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  const json = <T>(text: string): T => JSON.parse(text.trim().split('\n').at(-1) ?? '') as T;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-cli-'));
    server = await startHttpTestServer();
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...rest } = process.env;
    env = { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, AGENT_HTTP_ALLOW: `127.0.0.1:${server.port}`, NO_COLOR: '1' };
  });
  afterAll(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('run → status → result → list, with --json that follows the documented shapes', async () => {
    const path = script('two-steps.json', {
      turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }, { name: 'wait', arguments: { seconds: 0 } }] }, { content: 'Saw: {{observations}}' }],
    });
    const run = await runCli(['run', '--script', path, '--max-steps', '5', '--json', 'look', 'around'], env);
    expect(run.code).toBe(0);
    const result = json<{ workflowId: string; status: string; steps: number; answer: string; toolCalls: { ok: number } }>(run.stdout);
    expect(result).toMatchObject({ status: 'final', steps: 2, toolCalls: { ok: 2 } });
    expect(result.answer).toContain('Executed 2 tasks: 2 succeeded');
    expect(run.stderr).toContain(`answering from ${path}`);

    const status = await runCli(['status', result.workflowId, '--json'], env);
    expect(json(status.stdout)).toMatchObject({ workflowId: result.workflowId, executionStatus: 'COMPLETED', agentStatus: 'final', step: 2 });

    const again = await runCli(['result', result.workflowId, '--json'], env);
    expect(again.code).toBe(0);
    expect(json(again.stdout)).toMatchObject({ workflowId: result.workflowId, status: 'final', answer: result.answer });

    let listed: Array<{ workflowId: string; agentStatus: string }> = [];
    for (let attempt = 0; attempt < 20 && !listed.some((entry) => entry.workflowId === result.workflowId); attempt += 1) {
      listed = json((await runCli(['list', '--status', 'final', '--json'], env)).stdout);
      if (!listed.some((entry) => entry.workflowId === result.workflowId)) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(listed).toContainEqual(expect.objectContaining({ workflowId: result.workflowId, agentStatus: 'final' }));
    // Cancelling a run that already ended says so instead of pretending.
    const late = await runCli(['cancel', result.workflowId, '--json'], env);
    expect(json(late.stdout)).toEqual({ workflowId: result.workflowId, status: 'final', alreadyEnded: true });
    const failedOnly: Array<{ workflowId: string }> = json((await runCli(['list', '--status', 'failed', '--json'], env)).stdout);
    expect(failedOnly.map((entry) => entry.workflowId)).not.toContain(result.workflowId);
  });

  it('with no OPENAI_API_KEY and no --script, runs the built-in demo and says the model is scripted', async () => {
    const run = await runCli(['run', 'Summarize', 'this', 'repository'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Model: the built-in scripted demo (offline; no LLM is called)');
    expect(run.stdout).toMatch(/step 1\/10\n( {2}→ .*\n)* {2}✓ (list_dir|read_file) \(s1-\d\)/);
    expect(run.stdout).toContain('This was the scripted demo model');
    expect(run.stdout).toMatch(/status final · 3 steps · tools 4 ok \/ 0 failed/);
  });

  it('run says at once which model answers, then starts the run, then shows its steps as they come', async () => {
    const path = script('first-lines.json', { turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, { content: 'Looked.' }] });
    const run = await runCli(['run', '--script', path, '--max-steps', '5', 'look'], env);
    expect(run.code).toBe(0);
    // The model line comes before anything slow (server, worker); the run starts while its worker may still be starting.
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`Model: scripted, answering from ${path} (no LLM is called).`);
    expect(lines[1]).toMatch(/^Run agent-\S+ started on 127\.0\.0\.1:\d+/);
    expect(lines[2]).toBe('step 1/5');
    expect(lines[3]).toMatch(/^ {2}(→ list_dir \(s1-1\) started|✓ list_dir \(s1-1\))/);
    expect(run.stdout).not.toContain('Bundling the workflow code');
  });

  it('exits 1 with a clear authentication error when the model answers 401', async () => {
    const path = script('unauthorized.json', { turns: [{ status: 401, times: 50 }, { content: 'never' }] });
    const run = await runCli(['run', '--script', path, '--json', 'anything'], env);
    expect(run.code).toBe(1);
    expect(json(run.stdout)).toMatchObject({ status: 'failed', error: { type: 'ModelInvocationError.Authentication' } });
  });

  it('cancel stops a running agent: the in-flight tool is aborted and both status and result say cancelled', async () => {
    const path = script('slow.json', { turns: [{ toolCalls: [{ name: 'http_get', arguments: { url: `${server.origin}/slow` } }] }, { content: 'never' }] });
    const running = startCli(['run', '--script', path, '--json', 'fetch', 'forever'], env);
    try {
      await server.slowRequestArrived();
      const workflowId = /Run (\S+) started/.exec(running.output().stderr)?.[1];
      expect(workflowId).toBeDefined();
      const cancel = await runCli(['cancel', String(workflowId), '--json'], env);
      expect(cancel.stderr).toBe('');
      expect(json(cancel.stdout)).toEqual({ workflowId, status: 'cancelled' });
      await server.slowRequestClosed();
      const ended = await running.done;
      expect(ended.code).toBe(1);
      expect(json(ended.stdout)).toMatchObject({ workflowId, status: 'cancelled' });
      expect(json((await runCli(['status', String(workflowId), '--json'], env)).stdout)).toMatchObject({ agentStatus: 'cancelled' });
      expect((await runCli(['result', String(workflowId)], env)).code).toBe(1);
    } finally {
      if (running.exitCode === null) running.kill('SIGKILL');
    }
  });

  it.each([
    ['an unknown run id', ['status', 'no-such-run'], 5, /no agent run with id "no-such-run" in namespace "default"/],
    ['an unknown run id for result', ['result', 'no-such-run'], 5, /no agent run with id "no-such-run"/],
    ['an unknown tool in --tools', ['run', '--tools', 'read_file,teleport', 'go'], 2, /Unknown tool in --tools: teleport\. Available: http_get, read_file, list_dir, wait/],
    ['a bad --max-steps', ['run', '--max-steps', '0', 'go'], 2, /Expected an integer >= 1, got `0`/],
    ['a bad --max-time', ['run', '--max-time', 'soon', 'go'], 2, /Expected a duration such as 90s, 10m or 2h, got `soon`/],
    ['a --from past the safe integers', ['follow', 'no-such-run', '--from', '99999999999999999999'], 2, /option '--from <n>' argument '99999999999999999999' is invalid\. Expected an integer >= 0 and at most 9007199254740991, got `99999999999999999999`/],
    ['two system prompts', ['run', '--system-prompt', 'a', '--system-prompt-file', 'b.txt', 'go'], 2, /either --system-prompt or --system-prompt-file, not both/],
    ['an unreadable --system-prompt-file', ['run', '--system-prompt-file', '/no/such/prompt.txt', 'go'], 2, /Cannot read --system-prompt-file \/no\/such\/prompt\.txt/],
    ['--on-budget without a budget', ['run', '--on-budget', 'pause', 'go'], 2, /--on-budget needs a budget: add --max-tokens, --max-time or --max-cost/],
    ['a bad --max-cost', ['run', '--max-cost', 'free', 'go'], 2, /Expected an amount in USD above 0, such as 2\.50, got `free`/],
    ['a bad --status', ['list', '--status', 'done'], 2, /Expected one of running, waiting_for_approval, waiting_for_input, waiting_for_budget, paused, idle, final, max_steps/],
  ])('explains %s', async (_name, args, code, message) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it.each([
    ['a bad model variable', { DURABLE_AGENT_MODEL_TIMEOUT_MS: '5' }, 3, 'DURABLE_AGENT_MODEL_TIMEOUT_MS: Too small: expected number to be >=1000, got `5`'],
    ['a bad tool variable', { AGENT_HTTP_ALLOW: 'no-port' }, 3, 'AGENT_HTTP_ALLOW: expected comma-separated HOST:PORT pairs, got `no-port`'],
    ['an unreachable server after the scripted model started', { TEMPORAL_ADDRESS: '127.0.0.1:1' }, 4, 'cannot reach Temporal at 127.0.0.1:1'],
  ])('stops at once on %s, leaving nothing running', async (_name, overrides, code, message) => {
    // runCli fails the test if the command does not end within its time limit (a server left listening would hang it).
    const result = await runCli(['run', 'go'], { ...env, ...overrides }, 20_000);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it('points at the JSON path of a problem in a script file', async () => {
    const typo = script('typo.json', { turns: [{ toolCalls: [{ name: 'list_dir', argument: {} }] }] });
    const broken = script('broken.json', '{"turns": [');
    const first = await runCli(['run', '--script', typo, 'go'], env);
    expect(first.code).toBe(3);
    expect(first.stderr).toContain('at $.turns[0].toolCalls[0]: Unrecognized key: "argument"');
    const second = await runCli(['run', '--script', broken, 'go'], env);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/broken\.json is not valid JSON/);
  });

  it('run flags set the budget: --max-tokens stops the run with budget_exceeded (exit 1)', async () => {
    const turns = script('budget.json', { turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, { content: 'done' }] });
    const result = await runCli(['run', '--script', turns, '--max-tokens', '1', '--max-time', '10m', '--system-prompt', 'Be brief.', '--json', 'go'], env, 60_000);
    expect(result.code).toBe(1);
    const outcome = JSON.parse(result.stdout) as { status: string; answer: string; steps: number };
    expect(outcome).toMatchObject({ status: 'budget_exceeded', steps: 1 });
    expect(outcome.answer).toContain('the token budget of 1 is used up');
  });

  it('--on-budget pause with --max-cost: the run waits in waiting_for_budget, raise-budget lets it end', async () => {
    // A priced model: each call costs, so a budget of $0.000001 is used up by the first answer.
    const turns = script('cost.json', { turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, { content: 'done' }] });
    const running = startCli(['run', '--script', turns, '--model', 'gpt-4o-mini', '--max-cost', '0.000001', '--on-budget', 'pause', '--id', `cost-${Date.now()}`, '--json', 'go'], env);
    try {
      const [, id] = await waitForOutput(running, /Run (\S+) started/, 60_000, 'stderr');
      const status = await until('the budget pause', async () => {
        const shown = await runCli(['status', String(id), '--json'], env);
        return shown.stdout.includes('waiting_for_budget') ? shown : undefined;
      });
      expect(status.code).toBe(0);
      expect((await runCli(['raise-budget', String(id), '--usd', '5'], env)).code).toBe(0);
      const done = await running.done;
      expect(JSON.parse(done.stdout)).toMatchObject({ status: 'final' });
    } finally {
      if (running.exitCode === null) running.kill('SIGKILL');
    }
  });

  it('the main job from a fresh folder: no TEMPORAL_ADDRESS, ends with an answer and a UI link', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'durable-agent-main-'));
    // The embedded server's ports: 7233/8233 as a user gets them, or a free pair when DURABLE_AGENT_LOCAL_PORT says so.
    const port = Number(process.env.DURABLE_AGENT_LOCAL_PORT ?? (await freePortPair()));
    const alreadyRunning = await probeTcp(`127.0.0.1:${port}`, 500).then(() => true, () => false);
    try {
      const { TEMPORAL_ADDRESS: _address, ...withoutAddress } = env;
      const child = startCli(['run', 'What is in this folder?'], { ...withoutAddress, DURABLE_AGENT_LOCAL_PORT: String(port) }, { cwd: fresh });
      const result = await child.done;
      expect(result.code).toBe(0);
      if (!alreadyRunning) expect(result.stdout).toContain(`No Temporal server at 127.0.0.1:${port}: starting the embedded dev server`);
      expect(result.stdout).toContain('Answer');
      expect(result.stdout).toMatch(new RegExp(`Temporal UI: http://127\\.0\\.0\\.1:${port + 1000}/namespaces/default/workflows/agent-\\d{8}-\\d{6}-[0-9a-f]{6}`));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

