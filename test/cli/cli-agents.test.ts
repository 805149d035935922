import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES } from '../../src/cli/exit-codes';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { cliEnvironment, runCli, startCli, waitForOutput } from '../helpers/cli';
import { uniqueTaskQueue } from '../helpers/temporal';

const RESEARCHER_INSTRUCTIONS = 'You are the researcher. Look before you answer, and name what you saw.';

/** Agents as files (docs/sub-agents.md): `agents` lists a folder, `run --agent` runs one of them. */
describe('durable-agent agents and run --agent', () => {
  jest.setTimeout(120_000);
  let folder: string;
  let agentsFolder: string;
  let env: NodeJS.ProcessEnv;

  const json = <T>(text: string): T => JSON.parse(text.trim().split('\n').at(-1) ?? '') as T;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-cli-agents-'));
    agentsFolder = join(folder, 'agents');
    env = { ...cliEnvironment(uniqueTaskQueue('cli-agents')) };
    delete env.DURABLE_AGENT_AGENTS_DIR;
    mkdirSync(agentsFolder);
    writeFileSync(
      join(agentsFolder, 'researcher.md'),
      `---\ndescription: Looks around the workspace and reports what it found\ntools: [list_dir]\nmodel: scripted-researcher\nmaxSteps: 4\n---\n\n${RESEARCHER_INSTRUCTIONS}\n`,
    );
    writeFileSync(join(agentsFolder, 'writer.md'), '---\nname: writer\ndescription: Writes the report\n---\nYou write short reports.\n');
    writeFileSync(join(agentsFolder, 'README.md'), '# The agents of this project\n');
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('agents lists the folder as a table and as JSON; with no folder it says how to give one', async () => {
    const table = await runCli(['agents', '--agents', agentsFolder], env);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      'NAME        MODEL                TOOLS     DESCRIPTION',
      'researcher  scripted-researcher  list_dir  Looks around the workspace and reports what it found',
      'writer      (default)            all       Writes the report',
      '',
    ]);

    // The folder from the environment, as JSON: the whole definitions.
    const listed = await runCli(['agents', '--json'], { ...env, DURABLE_AGENT_AGENTS_DIR: agentsFolder });
    expect(listed.code).toBe(0);
    expect(json(listed.stdout)).toEqual([
      { name: 'researcher', description: 'Looks around the workspace and reports what it found', instructions: RESEARCHER_INSTRUCTIONS, tools: ['list_dir'], model: 'scripted-researcher', maxSteps: 4 },
      { name: 'writer', description: 'Writes the report', instructions: 'You write short reports.' },
    ]);

    const none = await runCli(['agents'], env);
    expect({ code: none.code, stderr: none.stderr }).toEqual({
      code: EXIT_CODES.configuration,
      stderr: 'durable-agent: no agents folder: give one with --agents DIR or set DURABLE_AGENT_AGENTS_DIR (a folder of <name>.md files, one per agent: docs/sub-agents.md).\n',
    });
  });

  it('a broken agent file stops agents and run with the file and the problem (exit 3)', async () => {
    const broken = join(folder, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'critic.md'), 'You criticise.\n');
    for (const args of [['agents', '--agents', broken], ['run', '--agents', broken, 'hello']]) {
      const result = await runCli(args, env);
      expect(result.code).toBe(EXIT_CODES.configuration);
      expect(result.stderr).toContain(`durable-agent: Invalid agent file in ${broken}:\n  critic.md: no front matter: the first line must be \`---\``);
    }
  });

  it('run --agent NAME --script runs that agent to its final answer', async () => {
    const script = join(folder, 'script.json');
    writeFileSync(script, JSON.stringify({ turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, { content: 'Researched "{{goal}}". Saw: {{observations}}' }] }));
    const run = await runCli(['run', '--agents', agentsFolder, '--agent', 'researcher', '--script', script, '--json', 'survey', 'the', 'folder'], env);
    expect(run.code).toBe(0);
    const result = json<{ status: string; steps: number; answer: string; toolCalls: { ok: number } }>(run.stdout);
    expect(result).toMatchObject({ status: 'final', steps: 2, toolCalls: { ok: 1 } });
    expect(result.answer).toMatch(/^Researched "survey the folder"\. Saw: /);
    expect(run.stderr).toContain(`answering from ${script}`);
  });

  it("run --agent: the agent's instructions are the system prompt, its model and tools are the run's; a flag overrides its field", async () => {
    const final = (words: string) => compileScript({ turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, { content: words }] });
    // The server answers by the request's model: which script answers says which model the run asked for.
    const model = await startScriptedModel(final('the default model answered'), { scriptsByModel: new Map([['scripted-researcher', final('the researcher model answered')]]) });
    const real = { ...env, OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: model.baseURL };
    try {
      const run = await runCli(['run', '--agents', agentsFolder, '--agent', 'researcher', '--json', 'survey'], real, 90_000);
      expect(run.code).toBe(0);
      expect(json<{ status: string; answer: string }>(run.stdout)).toMatchObject({ status: 'final', answer: 'the researcher model answered' });
      expect(run.stderr).toContain(`Model: scripted-researcher at ${model.baseURL}.`);
      expect(model.requests.length).toBeGreaterThanOrEqual(2);
      for (const request of model.requests) {
        expect(request.systemPrompt).toContain(RESEARCHER_INSTRUCTIONS);
        expect(request.tools).toContain('list_dir');
        expect(request.tools).not.toContain('read_file');
      }

      model.requests.length = 0;
      const overridden = await runCli(['run', '--agents', agentsFolder, '--agent', 'researcher', '--model', 'other', '--system-prompt', 'You are overridden.', '--json', 'survey'], real, 90_000);
      expect(overridden.code).toBe(0);
      expect(json<{ answer: string }>(overridden.stdout).answer).toBe('the default model answered');
      expect(model.requests[0]?.systemPrompt).toContain('You are overridden.');
      expect(model.requests[0]?.systemPrompt).not.toContain(RESEARCHER_INSTRUCTIONS);
    } finally {
      await model.close();
    }
  });

  it('worker --agents offers the agents and says so at its start; a tool worker refuses --agents', async () => {
    const worker = startCli(['worker', '--agents', agentsFolder], env);
    try {
      await waitForOutput(worker, /polling task queue/, 90_000, 'stderr');
      expect(worker.output().stderr).toContain(`Agents: 2 from ${agentsFolder}, offered to runs as agent__researcher, agent__writer.\n`);
    } finally {
      worker.kill('SIGTERM');
      await worker.done;
    }
    const tools = await runCli(['worker', '--tools', 'list_dir', '--agents', agentsFolder], env);
    expect(tools.code).toBe(EXIT_CODES.usage);
    expect(tools.stderr).toContain('durable-agent: --agents is for agent workers: a tool worker (--tools, --role tools) runs no agents.');
  });

  it('run --agent with an unknown name lists the agents (exit 2); without a folder it says how to give one', async () => {
    const unknown = await runCli(['run', '--agents', agentsFolder, '--agent', 'reseacher', 'hello'], env);
    expect(unknown.code).toBe(EXIT_CODES.usage);
    expect(unknown.stderr).toBe(`durable-agent: No agent named "reseacher" in ${agentsFolder} (its agents: researcher, writer). List them with \`durable-agent agents\`.\n`);
    const noFolder = await runCli(['run', '--agent', 'researcher', 'hello'], env);
    expect(noFolder.code).toBe(EXIT_CODES.usage);
    expect(noFolder.stderr).toContain('durable-agent: --agent researcher needs the agents folder: give --agents DIR or set DURABLE_AGENT_AGENTS_DIR');
  });
});
