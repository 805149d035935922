import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { AgentDefinitionSchema, type AgentDefinition } from '../contracts/agent-definition';
import { agentsFolderFor } from '../config/agents-config';
import { ConfigurationError } from '../config/parse-environment';
import { describeIssues } from '../core/zod-issues';

/** What a file of the agents folder must be (docs/sub-agents.md, "The format"), said in every error about one. */
const FORMAT_HINT = 'an agent file is a line `---`, its fields in YAML (at least `description`), a line `---`, then its instructions';
/** Where the folder was named, for errors about the folder itself. */
const FOLDER_HINT = 'Check --agents or DURABLE_AGENT_AGENTS_DIR';

/** The lines that open and close the front matter: `---`, trailing spaces allowed. */
const FENCE = /^---[ \t]*$/;

/** A file that is read as an agent: `*.md` (any case), not hidden (editors' lock files), not a README. */
export function isAgentFileName(fileName: string): boolean {
  return /\.md$/i.test(fileName) && !fileName.startsWith('.') && fileName.toLowerCase() !== 'readme.md';
}

/** The agent's name a file gives when its front matter names none: the file name without `.md`. */
function baseName(fileName: string): string {
  return fileName.replace(/\.md$/i, '');
}

/** A problem with one file, already in words; collected so one error names every bad file at once. */
class AgentFileProblem extends Error {}

/** Splits a file into its front matter (YAML text and the file line it starts on) and its body. */
function splitFrontMatter(text: string): { yaml: string; firstLine: number; body: string } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (!FENCE.test(lines[0] ?? '')) {
    throw new AgentFileProblem(`no front matter: the first line must be \`---\` (${FORMAT_HINT}). Add the front matter, or move the file out of the folder.`);
  }
  const close = lines.findIndex((line, index) => index > 0 && FENCE.test(line));
  if (close < 0) throw new AgentFileProblem(`the front matter is not closed: add a line \`---\` after its fields (${FORMAT_HINT}).`);
  return { yaml: lines.slice(1, close).join('\n'), firstLine: 2, body: lines.slice(close + 1).join('\n').trim() };
}

/** The front matter's fields: a YAML mapping (an empty front matter is an empty one). */
function parseFields(yaml: string, firstLine: number): Record<string, unknown> {
  const lineCounter = new LineCounter();
  const document = parseDocument(yaml, { prettyErrors: false, lineCounter });
  const [error] = document.errors;
  if (error) {
    const at = lineCounter.linePos(error.pos[0]);
    throw new AgentFileProblem(`YAML syntax error in the front matter at line ${at.line + firstLine - 1}, column ${at.col}: ${error.message}. Fix the YAML (quote text that holds \`: \` or starts with a special character).`);
  }
  const fields: unknown = document.toJS();
  if (fields === null || fields === undefined) return {};
  if (typeof fields !== 'object' || Array.isArray(fields)) {
    throw new AgentFileProblem(`the front matter must be YAML fields (\`description: …\`), not ${Array.isArray(fields) ? 'a list' : `a ${typeof fields}`}.`);
  }
  return fields as Record<string, unknown>;
}

/** One agent from the text of its file; `fileName` gives the default name, and a name given must equal it. */
export function parseAgentFile(fileName: string, text: string): AgentDefinition {
  const { yaml, firstLine, body } = splitFrontMatter(text);
  const fields = parseFields(yaml, firstLine);
  const fileBase = baseName(fileName);
  if ('instructions' in fields) {
    throw new AgentFileProblem('`instructions` is not a field: the instructions are the body of the file, below the closing `---`. Move them there.');
  }
  const { name } = fields;
  if (name !== undefined && name !== fileBase) {
    const given = typeof name === 'string' ? name : JSON.stringify(name);
    throw new AgentFileProblem(`its name \`${given}\` differs from the file name \`${fileBase}\`: name the file <name>.md, or remove \`name\` (it defaults to the file name).`);
  }
  if (!body) throw new AgentFileProblem('no instructions: write what the agent is told (its system prompt) below the closing `---`.');
  const parsed = AgentDefinitionSchema.safeParse({ ...fields, name: fileBase, instructions: body });
  if (!parsed.success) {
    // The name comes from the file name: say which to rename.
    const problems = describeIssues(parsed.error, 'front matter').replace(/^name:/, `name (from the file name \`${fileBase}\`):`);
    throw new AgentFileProblem(`invalid agent: ${problems}. Fix the front matter (its fields: docs/sub-agents.md).`);
  }
  return parsed.data;
}

/** The agent files of a folder (sorted), after checking that it is a folder. */
function agentFilesOf(folder: string): string[] {
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
    throw new ConfigurationError(`The agents folder ${folder} ${problem}. ${FOLDER_HINT}, or create the folder with one <name>.md file per agent.`);
  }
  if (!isFolder) throw new ConfigurationError(`The agents folder ${folder} is a file, not a folder. ${FOLDER_HINT}: it names a folder of <name>.md files, one per agent.`);
  return readdirSync(folder)
    .filter(isAgentFileName)
    .filter((fileName) => statSync(join(folder, fileName)).isFile())
    .sort();
}

/**
 * The agents defined in `folder` (docs/sub-agents.md): one per `*.md` file, `README.md` and hidden files left out,
 * sorted by name. An empty folder has none.
 * @throws ConfigurationError when the folder does not exist, or naming every file that is not a valid agent (and why,
 *   and what to do), and names given by two files.
 */
export function loadAgentDefinitions(folder: string): AgentDefinition[] {
  const problems: string[] = [];
  const agents: AgentDefinition[] = [];
  const fileOf = new Map<string, string>();
  for (const fileName of agentFilesOf(folder)) {
    try {
      const agent = parseAgentFile(fileName, readFileSync(join(folder, fileName), 'utf8'));
      const other = fileOf.get(agent.name);
      if (other) {
        problems.push(`${fileName}: the agent \`${agent.name}\` is also defined by ${other}. Give each agent one file: remove or rename one of them.`);
        continue;
      }
      fileOf.set(agent.name, fileName);
      agents.push(agent);
    } catch (error) {
      if (!(error instanceof AgentFileProblem)) {
        problems.push(`${fileName}: cannot be read (${(error as Error).message}).`);
        continue;
      }
      problems.push(`${fileName}: ${error.message}`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid agent file${problems.length > 1 ? 's' : ''} in ${folder}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
  return agents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The agents a command offers: the folder they come from, and what it holds. */
export interface ConfiguredAgents {
  folder: string;
  agents: AgentDefinition[];
}

/**
 * The agents of `--agents DIR` (`optionPath`), else of `$DURABLE_AGENT_AGENTS_DIR`, else none (undefined).
 * @throws ConfigurationError as {@link loadAgentDefinitions}
 */
export function loadConfiguredAgents(optionPath?: string, env: NodeJS.ProcessEnv = process.env): ConfiguredAgents | undefined {
  const folder = agentsFolderFor(optionPath, env);
  return folder === undefined ? undefined : { folder, agents: loadAgentDefinitions(folder) };
}
