import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = join(__dirname, '..', '..');

/**
 * Any existing source file of a folder: the project service lints only files it knows, and the snippets are
 * linted "as if saved there", so the file's content never matters, only its folder.
 */
function someFileIn(folder: string): string {
  const name = readdirSync(join(root, folder)).find((entry) => entry.endsWith('.ts'));
  if (!name) throw new Error(`no .ts file in ${folder} to lint snippets as`);
  return join(root, folder, name);
}

/** A workflow file one folder down (`src/workflows/agent/`), the top workflow folder, core logic, a contract, activity code. */
const agentFile = someFileIn('src/workflows/agent');
const agentModule = basename(agentFile, '.ts');
const workflowsRootFile = join(root, 'src/workflows/index.ts');
const sharedFile = join(root, 'src/core/model.ts');
const contractFile = join(root, 'src/contracts/status.ts');
const activityFile = join(root, 'src/activities/index.ts');
const mcpServerFile = someFileIn('src/mcp-server');

const cases = {
  cliInMcpServer: { filePath: mcpServerFile, code: "import { workerAdvice } from '../cli/worker-needed';\nexport const advice = workerAdvice;\n" },
  clientInMcpServer: { filePath: mcpServerFile, code: "import { workerAdvice } from '../client/worker-advice';\nexport const advice = workerAdvice;\n" },
  fsInWorkflow: { filePath: agentFile, code: "import { readFileSync } from 'fs';\nexport const text = readFileSync('x', 'utf8');\n" },
  nodePrefixInWorkflow: { filePath: agentFile, code: "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID();\n" },
  activityValueInWorkflow: {
    filePath: agentFile,
    code: "import { createActivities } from '../../activities';\nexport const activities = createActivities();\n",
  },
  activityTypeInWorkflow: {
    filePath: agentFile,
    code: "import type { Activities } from '../../activities';\nexport type Plan = Activities['plan'];\n",
  },
  scriptedModelValueInWorkflow: {
    filePath: agentFile,
    code: "import { startScriptedModel } from '../../scripted-model/server';\nexport const start = startScriptedModel;\n",
  },
  cliValueInWorkflow: { filePath: agentFile, code: "import { buildProgram } from '../../cli/main';\nexport const program = buildProgram;\n" },
  scriptedModelTypeInWorkflow: {
    filePath: agentFile,
    code: "import type { ScriptedRequest } from '../../scripted-model/server';\nexport type Request = ScriptedRequest;\n",
  },
  cliTypeInWorkflow: { filePath: agentFile, code: "import type { buildProgram } from '../../cli/main';\nexport type Build = typeof buildProgram;\n" },
  sharedValueInWorkflow: { filePath: agentFile, code: "import * as model from '../../core/model';\nexport const shared = model;\n" },
  sameFolderInWorkflow: { filePath: agentFile, code: `import * as self from './${agentModule}';\nexport const sibling = self;\n` },
  climbingOutInWorkflow: {
    filePath: agentFile,
    code: "import { buildProgram } from '../../cli/main';\nexport const program = buildProgram;\n",
  },
  temporalPackagesInWorkflow: {
    filePath: agentFile,
    code: "import { sleep } from '@temporalio/workflow';\nimport { ApplicationFailure } from '@temporalio/common';\nimport { z } from 'zod';\nexport const parts = { sleep, ApplicationFailure, z };\n",
  },
  activityPackageInWorkflow: {
    filePath: agentFile,
    code: "import { Context } from '@temporalio/activity';\nexport const context = Context;\n",
  },
  dynamicImportInWorkflow: { filePath: agentFile, code: "export const load = () => import('../../core/model');\n" },
  subfolderFromWorkflowsRoot: {
    filePath: workflowsRootFile,
    code: `import * as agent from './agent/${agentModule}';\nimport * as model from '../core/model';\nexport const parts = { agent, model };\n`,
  },
  cliFromWorkflowsRoot: { filePath: workflowsRootFile, code: "import { buildProgram } from '../cli/main';\nexport const program = buildProgram;\n" },
  workflowPackageInShared: { filePath: sharedFile, code: "import { sleep } from '@temporalio/workflow';\nexport const pause = sleep;\n" },
  workflowTypeInShared: {
    filePath: sharedFile,
    code: "import type { WorkflowInfo } from '@temporalio/workflow';\nexport type Info = WorkflowInfo;\n",
  },
  workflowCodeInShared: {
    filePath: sharedFile,
    code: `import * as agent from '../workflows/agent/${agentModule}';\nexport const parts = agent;\n`,
  },
  allowedPackagesInShared: {
    filePath: sharedFile,
    code: "import { ApplicationFailure } from '@temporalio/common';\nimport { z } from 'zod';\nimport * as summarize from './summarize';\nexport const parts = { ApplicationFailure, z, summarize };\n",
  },
  contractsInCore: { filePath: sharedFile, code: "import { RUN_STATUSES } from '../contracts/status';\nexport const statuses = RUN_STATUSES;\n" },
  coreValueInContracts: { filePath: contractFile, code: "import { callsOf } from '../core/actions';\nexport const calls = callsOf;\n" },
  coreTypeInContracts: { filePath: contractFile, code: "import type { Task } from '../core/model';\nexport type Named = Task['tool'];\n" },
  fsInActivity: {
    filePath: activityFile,
    code: "import { readFileSync } from 'node:fs';\nexport const read = (path: string): string => readFileSync(path, 'utf8');\n",
  },
};

type CaseName = keyof typeof cases;

/**
 * Lints each snippet as if it were saved at the given path, with the project's real ESLint config.
 * Runs in a child Node process: Jest's module sandbox cannot load the ESM config file.
 */
function lintCases(): Record<CaseName, string[]> {
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: ${JSON.stringify(root)} });
      const output = {};
      for (const [name, { code, filePath }] of Object.entries(cases)) {
        const [result] = await eslint.lintText(code, { filePath });
        output[name] = result.messages.map((m) => (m.ruleId ?? 'parse') + ': ' + m.message);
      }
      process.stdout.write(JSON.stringify(output));
    })();
  `;
  const child = spawnSync(process.execPath, ['-e', script, JSON.stringify(cases)], { cwd: root, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`ESLint failed to run: ${child.stderr}`);
  return JSON.parse(child.stdout) as Record<CaseName, string[]>;
}

/** The sandbox boundary of docs/architecture.md §2 is enforced by lint, not by memory: an allowlist, not a denylist. */
describe('ESLint sandbox boundary', () => {
  let messages: Record<CaseName, string[]>;
  beforeAll(() => {
    messages = lintCases();
  }, 120_000);

  const restricted = (name: CaseName) => messages[name].filter((message) => message.startsWith('@typescript-eslint/no-restricted-imports'));
  /** What an accepted snippet must not produce: a boundary error, or a parse error that would hide one. */
  const boundaryProblems = (name: CaseName) => messages[name].filter((message) => /^(@typescript-eslint\/no-restricted-imports|no-restricted-syntax|parse):/.test(message));

  it('rejects a workflow file that imports fs', () => {
    expect(restricted('fsInWorkflow')).toHaveLength(1);
  });

  it('rejects node: spellings of Node modules in workflow code', () => {
    expect(restricted('nodePrefixInWorkflow')).toHaveLength(1);
  });

  it.each<CaseName>(['activityValueInWorkflow', 'scriptedModelValueInWorkflow', 'cliValueInWorkflow', 'activityPackageInWorkflow'])(
    'rejects Node-side code imported by value into a workflow file (%s)',
    (name) => {
      expect(restricted(name)).toHaveLength(1);
      expect(restricted(name)[0]).toMatch(/as a type only/);
    },
  );

  it.each<CaseName>(['activityTypeInWorkflow', 'scriptedModelTypeInWorkflow', 'cliTypeInWorkflow'])(
    'accepts a type-only import of Node-side code in a workflow file (%s)',
    (name) => {
      expect(boundaryProblems(name)).toEqual([]);
    },
  );

  it('accepts src/core, the same folder and the sandbox packages by value in a workflow file', () => {
    expect(boundaryProblems('sharedValueInWorkflow')).toEqual([]);
    expect(boundaryProblems('sameFolderInWorkflow')).toEqual([]);
    expect(boundaryProblems('temporalPackagesInWorkflow')).toEqual([]);
  });

  it('rejects a relative path that goes down, then climbs out of the sandbox', () => {
    expect(restricted('climbingOutInWorkflow')).toHaveLength(1);
  });

  it('rejects a dynamic import in workflow code', () => {
    expect(messages.dynamicImportInWorkflow.filter((message) => message.startsWith('no-restricted-syntax'))).toHaveLength(1);
  });

  it('resolves relative paths by the folder depth of the file (src/workflows/index.ts)', () => {
    expect(boundaryProblems('subfolderFromWorkflowsRoot')).toEqual([]);
    expect(restricted('cliFromWorkflowsRoot')).toHaveLength(1);
  });

  it('rejects @temporalio/workflow and workflow code imported by value into core code', () => {
    expect(restricted('workflowPackageInShared')).toHaveLength(1);
    expect(restricted('workflowCodeInShared')).toHaveLength(1);
  });

  it('accepts zod, @temporalio/common, core code, and workflow types in core code', () => {
    expect(boundaryProblems('allowedPackagesInShared')).toEqual([]);
    expect(boundaryProblems('workflowTypeInShared')).toEqual([]);
  });

  it('lets core logic import the contracts by value, and keeps the contracts below it: a value import of core is refused', () => {
    expect(boundaryProblems('contractsInCore')).toEqual([]);
    expect(restricted('coreValueInContracts')).toHaveLength(1);
    expect(boundaryProblems('coreTypeInContracts')).toEqual([]);
  });

  it('keeps the CLI a leaf: only src/cli imports src/cli (src/client is fine)', () => {
    expect(restricted('cliInMcpServer')).toHaveLength(1);
    expect(restricted('cliInMcpServer')[0]).toMatch(/Only src\/cli imports src\/cli/);
    expect(boundaryProblems('clientInMcpServer')).toEqual([]);
  });

  it('allows Node modules in activity code', () => {
    expect(messages.fsInActivity).toEqual([]);
  });
});
