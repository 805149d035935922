import type { Command } from 'commander';
import { loadConfiguredAgents } from '../../agents/agent-files';
import { ConfigurationError } from '../../config/parse-environment';
import type { AgentDefinition } from '../../contracts/agent-definition';

/** Longest description the table shows; `--json` has it whole. */
const DESCRIPTION_CHARS = 80;

/** What `agents` and `run --agent` say when no folder is configured. */
export const NO_AGENTS_FOLDER = 'no agents folder: give one with --agents DIR or set DURABLE_AGENT_AGENTS_DIR (a folder of <name>.md files, one per agent: docs/sub-agents.md)';

function oneLine(text: string, maxChars: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

/** An agent's tools in a table cell: all (none listed), none (an empty list), or the list. */
function toolsCell(agent: AgentDefinition): string {
  if (agent.tools === undefined) return 'all';
  return agent.tools.length === 0 ? 'none' : agent.tools.join(',');
}

/** The agents as a table (NAME, MODEL, TOOLS, DESCRIPTION), or as one JSON array of their definitions. */
export function printAgentList(agents: readonly AgentDefinition[], folder: string, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(agents)}\n`);
    return;
  }
  if (agents.length === 0) {
    process.stdout.write(`No agents in ${folder}: add one <name>.md file per agent (docs/sub-agents.md).\n`);
    return;
  }
  const rows = agents.map((agent) => [agent.name, agent.model ?? '(default)', toolsCell(agent), oneLine(agent.description, DESCRIPTION_CHARS)]);
  const header = ['NAME', 'MODEL', 'TOOLS', 'DESCRIPTION'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`${[format(header), ...rows.map(format)].join('\n')}\n`);
}

/** `durable-agent agents`: the agents of the folder, as files define them (docs/sub-agents.md). */
export function registerAgentsCommand(program: Command): void {
  program
    .command('agents')
    .description('List the agents defined as files in the agents folder (docs/sub-agents.md).')
    .option('--agents <dir>', 'the folder of agent files, one <name>.md per agent (default: $DURABLE_AGENT_AGENTS_DIR)')
    .option('--json', 'print the definitions as one JSON array')
    .action((options: { agents?: string; json?: boolean }) => {
      const configured = loadConfiguredAgents(options.agents);
      if (!configured) throw new ConfigurationError(`${NO_AGENTS_FOLDER}.`);
      printAgentList(configured.agents, configured.folder, Boolean(options.json));
    });
}
