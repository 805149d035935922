import { Command } from 'commander';
import { buildProgram, COMMAND_MODULES } from '../../src/cli/main';

// The CLI loads only the module of the command it runs (src/cli/main.ts): each module's list of names must be
// exactly what it registers, or a command would be missing when typed (and found only under --help).

describe('the CLI command modules', () => {
  it.each(COMMAND_MODULES.map((module, index) => [index, module] as const))('module %i registers exactly the names it lists', (_index, module) => {
    const program = new Command('durable-agent');
    module.load()(program);
    expect(program.commands.map((command) => command.name()).sort()).toEqual([...module.names()].sort());
  });

  it('a typed command builds a program with its own module only, and anything else builds all of them', () => {
    const all = buildProgram().commands.map((command) => command.name());
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(COMMAND_MODULES.flatMap((module) => module.names()).sort());
    expect(buildProgram('approve').commands.map((command) => command.name()).sort()).toEqual(['approve', 'deny', 'pending', 'reply']);
    expect(buildProgram('--help').commands).toHaveLength(all.length);
    expect(buildProgram('aprove').commands).toHaveLength(all.length);
  });
});
