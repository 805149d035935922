import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../src/config/parse-environment';
import { loadBuiltinToolsConfig } from '../../src/config/tools-config';
import { runCli } from '../helpers/cli';

describe('AGENT_WORKSPACE must be an existing folder, checked at start-up', () => {
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-workspace-config-'));
    mkdirSync(join(folder, 'workspace'));
    writeFileSync(join(folder, 'file.txt'), 'not a folder');
    symlinkSync(join(folder, 'workspace'), join(folder, 'link-to-workspace'));
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('accepts a folder (also through a symbolic link or relative to the current directory) and defaults to the current directory', () => {
    expect(loadBuiltinToolsConfig({ AGENT_WORKSPACE: join(folder, 'workspace') }).workspace).toBe(join(folder, 'workspace'));
    expect(loadBuiltinToolsConfig({ AGENT_WORKSPACE: join(folder, 'link-to-workspace') }).workspace).toBe(join(folder, 'link-to-workspace'));
    expect(loadBuiltinToolsConfig({ AGENT_WORKSPACE: 'workspace' }, folder).workspace).toBe(join(folder, 'workspace'));
    expect(loadBuiltinToolsConfig({}, folder).workspace).toBe(folder);
  });

  it.each([
    ['a missing folder', () => join(folder, 'missing'), 'which does not exist'],
    ['a file', () => join(folder, 'file.txt'), 'which is a file'],
    ['a path through a file', () => join(folder, 'file.txt', 'inner'), 'which does not exist'],
  ])('refuses %s, naming the variable, what was expected, what came and what to do', (_name, path, problem) => {
    const load = () => loadBuiltinToolsConfig({ AGENT_WORKSPACE: path() });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(
      `AGENT_WORKSPACE: expected an existing folder (the root of read_file and list_dir), got \`${path()}\`, ${problem}. ` +
        'Create that folder, or set AGENT_WORKSPACE to the folder the agent may read.',
    );
  });

  it('shows a relative value as it came and as it was resolved', () => {
    expect(() => loadBuiltinToolsConfig({ AGENT_WORKSPACE: 'missing' }, folder)).toThrow(`got \`missing\` (${join(folder, 'missing')}), which does not exist`);
  });

  it('`durable-agent run` with AGENT_WORKSPACE=/nonexistent exits 3 with that message, before starting anything', async () => {
    // runCli fails the test if the command does not end in time (a server or model left running would hang it).
    const result = await runCli(['run', 'go'], { ...process.env, AGENT_WORKSPACE: '/nonexistent', NO_COLOR: '1' }, 20_000);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('AGENT_WORKSPACE: expected an existing folder (the root of read_file and list_dir), got `/nonexistent`, which does not exist.');
    expect(result.stdout).not.toContain('starting the embedded dev server');
  });

  it('`durable-agent worker` with AGENT_WORKSPACE set to a file exits 3 with that message', async () => {
    const address = process.env.DURABLE_AGENT_TEST_ADDRESS;
    if (!address) throw new Error('DURABLE_AGENT_TEST_ADDRESS is not set: run through Jest.');
    const result = await runCli(['worker'], { ...process.env, TEMPORAL_ADDRESS: address, AGENT_WORKSPACE: join(folder, 'file.txt') }, 20_000);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`AGENT_WORKSPACE: expected an existing folder (the root of read_file and list_dir), got \`${join(folder, 'file.txt')}\`, which is a file.`);
  });
});
