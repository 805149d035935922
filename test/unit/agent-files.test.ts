import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentDefinitions, loadConfiguredAgents } from '../../src/agents/agent-files';
import { agentsFolderFor } from '../../src/config/agents-config';
import { ConfigurationError } from '../../src/config/parse-environment';

const RESEARCHER = `---
description: Finds sources and sums them up
tools: [http_get, read_file]
model: gpt-4o
planning: auto
budget:
  maxTokens: 50000
  maxWallTimeMs: 600000
  maxCostUsd: 0.5
  onExhausted: pause
maxSteps: 12
requireApproval:
  - http_get
---

You are a careful researcher.

Cite every source.
`;

describe('agents as files (docs/sub-agents.md)', () => {
  let folder: string;
  const write = (name: string, text: string) => writeFileSync(join(folder, name), text);
  const problemOf = (): string => {
    try {
      loadAgentDefinitions(folder);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return (error as Error).message;
    }
    throw new Error('expected the folder to be refused');
  };

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-agents-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('reads every field of the front matter, and the trimmed body as the instructions', () => {
    write('researcher.md', RESEARCHER);
    expect(loadAgentDefinitions(folder)).toEqual([
      {
        name: 'researcher',
        description: 'Finds sources and sums them up',
        instructions: 'You are a careful researcher.\n\nCite every source.',
        tools: ['http_get', 'read_file'],
        model: 'gpt-4o',
        planning: 'auto',
        budget: { maxTokens: 50_000, maxWallTimeMs: 600_000, maxCostUsd: 0.5, onExhausted: 'pause' },
        maxSteps: 12,
        requireApproval: ['http_get'],
      },
    ]);
  });

  it('takes the name from the file name, accepts a name equal to it, and sorts the agents by name', () => {
    write('writer.md', '---\ndescription: Writes\n---\nWrite well.\n');
    write('editor.md', '---\nname: editor\ndescription: Edits\n---\r\nEdit.\r\n');
    write('analyst.md', '\uFEFF---  \ndescription: Analyses\n---\nAnalyse.');
    expect(loadAgentDefinitions(folder)).toEqual([
      { name: 'analyst', description: 'Analyses', instructions: 'Analyse.' },
      { name: 'editor', description: 'Edits', instructions: 'Edit.' },
      { name: 'writer', description: 'Writes', instructions: 'Write well.' },
    ]);
  });

  it('ignores README.md, hidden files, files of other kinds and folders; an empty folder has no agents', () => {
    expect(loadAgentDefinitions(folder)).toEqual([]);
    write('README.md', '# Our agents\n\nNo front matter here.\n');
    write('readme.md', 'nor here');
    write('.#writer.md', 'an editor lock file');
    write('notes.txt', 'not an agent');
    write('writer.md.bak', 'a backup');
    mkdirSync(join(folder, 'drafts.md'));
    expect(loadAgentDefinitions(folder)).toEqual([]);
    write('writer.md', '---\ndescription: Writes\n---\nWrite.');
    expect(loadAgentDefinitions(folder).map((agent) => agent.name)).toEqual(['writer']);
  });

  it('refuses a file without front matter, or with front matter that is not closed, naming the file and what to do', () => {
    write('plain.md', 'You are helpful.\n');
    expect(problemOf()).toMatch(/plain\.md: no front matter: the first line must be `---`.*Add the front matter, or move the file out of the folder/);
    rmSync(join(folder, 'plain.md'));
    write('open.md', '---\ndescription: Never closed\nYou are helpful.\n');
    expect(problemOf()).toMatch(/open\.md: the front matter is not closed: add a line `---` after its fields/);
  });

  it('says where a YAML syntax error is, as a line of the file', () => {
    write('broken.md', '---\ndescription: Broken\ntools: [http_get, read_file\n---\nHi.\n');
    expect(problemOf()).toMatch(/broken\.md: YAML syntax error in the front matter at line 3, column 28: Flow sequence .*\. Fix the YAML/);
    write('broken.md', '---\ndescription: one\ndescription: two\n---\nHi.\n');
    expect(problemOf()).toMatch(/broken\.md: YAML syntax error in the front matter at line 3, column 1: Map keys must be unique/);
    write('broken.md', '---\n- a list\n---\nHi.\n');
    expect(problemOf()).toContain('broken.md: the front matter must be YAML fields (`description: …`), not a list.');
  });

  it('names each field that breaks the schema, and every bad file at once', () => {
    write('a.md', '---\ndescription: A\ntools: http_get\nmaxSteps: 0\ncolour: blue\n---\nHi.\n');
    write('b.md', '---\nplanning: sometimes\n---\nHi.\n');
    write('good.md', '---\ndescription: Good\n---\nHi.\n');
    const message = problemOf();
    expect(message).toMatch(/^Invalid agent files in .*:\n/);
    const lines = message.split('\n').slice(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ {2}a\.md: invalid agent: .*tools: .*array.*; maxSteps: .*>=1.*; front matter: Unrecognized key: "colour"\. Fix the front matter \(its fields: docs\/sub-agents\.md\)\.$/);
    expect(lines[1]).toMatch(/^ {2}b\.md: invalid agent: description: .*; planning: .*/);
  });

  it('refuses a name that differs from the file name, a file name that is no agent name, instructions in the front matter, and an empty body', () => {
    write('writer.md', '---\nname: author\ndescription: Writes\n---\nWrite.\n');
    expect(problemOf()).toContain('writer.md: its name `author` differs from the file name `writer`: name the file <name>.md, or remove `name`');
    rmSync(join(folder, 'writer.md'));
    write('My Agent.md', '---\ndescription: Mine\n---\nHi.\n');
    expect(problemOf()).toContain('My Agent.md: invalid agent: name (from the file name `My Agent`): an agent name is 1 to 40 lower-case letters');
    rmSync(join(folder, 'My Agent.md'));
    write('inline.md', '---\ndescription: Inline\ninstructions: Be brief.\n---\n');
    expect(problemOf()).toContain('inline.md: `instructions` is not a field: the instructions are the body of the file');
    write('inline.md', '---\ndescription: Inline\n---\n  \n\n');
    expect(problemOf()).toContain('inline.md: no instructions: write what the agent is told (its system prompt) below the closing `---`.');
  });

  it('refuses two files that define the same agent', () => {
    write('writer.md', '---\ndescription: Writes\n---\nWrite.\n');
    write('writer.MD', '---\ndescription: Writes too\n---\nWrite.\n');
    expect(problemOf()).toMatch(/writer\.md: the agent `writer` is also defined by writer\.MD\. Give each agent one file: remove or rename one of them\./);
  });

  it('refuses a folder that does not exist, or a file given as the folder', () => {
    const missing = join(folder, 'nowhere');
    expect(() => loadAgentDefinitions(missing)).toThrow(`The agents folder ${missing} does not exist. Check --agents or DURABLE_AGENT_AGENTS_DIR, or create the folder`);
    write('researcher.md', RESEARCHER);
    expect(() => loadAgentDefinitions(join(folder, 'researcher.md'))).toThrow(/is a file, not a folder/);
  });

  it('takes the folder from --agents, else DURABLE_AGENT_AGENTS_DIR, else none', () => {
    expect(agentsFolderFor(undefined, {}, '/work')).toBeUndefined();
    expect(agentsFolderFor(undefined, { DURABLE_AGENT_AGENTS_DIR: '  ' }, '/work')).toBeUndefined();
    expect(agentsFolderFor(undefined, { DURABLE_AGENT_AGENTS_DIR: 'agents' }, '/work')).toBe('/work/agents');
    expect(agentsFolderFor('/other', { DURABLE_AGENT_AGENTS_DIR: 'agents' }, '/work')).toBe('/other');
    write('researcher.md', RESEARCHER);
    expect(loadConfiguredAgents(undefined, {})).toBeUndefined();
    expect(loadConfiguredAgents(undefined, { DURABLE_AGENT_AGENTS_DIR: folder })).toMatchObject({ folder, agents: [{ name: 'researcher' }] });
  });
});
