import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');
const workflowFile = join(root, 'src/workflows/smoke-workflow.ts');
const activityFile = join(root, 'src/activities/smoke-activities.ts');

const cases = {
  fsInWorkflow: { filePath: workflowFile, code: "import { readFileSync } from 'fs';\nexport const text = readFileSync('x', 'utf8');\n" },
  nodePrefixInWorkflow: { filePath: workflowFile, code: "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID();\n" },
  activityValueInWorkflow: {
    filePath: workflowFile,
    code: "import { createSmokeActivities } from '../activities/smoke-activities';\nexport const activities = createSmokeActivities();\n",
  },
  activityTypeInWorkflow: {
    filePath: workflowFile,
    code: "import type { SmokeActivities } from '../activities/smoke-activities';\nexport type Echo = SmokeActivities['echo'];\n",
  },
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

/** The sandbox boundary of DESIGN.md §2 is enforced by lint, not by memory. */
describe('ESLint sandbox boundary', () => {
  let messages: Record<CaseName, string[]>;
  beforeAll(() => {
    messages = lintCases();
  }, 120_000);

  const restricted = (list: string[]) => list.filter((message) => message.startsWith('@typescript-eslint/no-restricted-imports'));

  it('rejects a workflow file that imports fs', () => {
    expect(restricted(messages.fsInWorkflow)).toHaveLength(1);
  });

  it('rejects node: spellings of Node modules in workflow code', () => {
    expect(restricted(messages.nodePrefixInWorkflow)).toHaveLength(1);
  });

  it('rejects a workflow file that imports an activity by value', () => {
    expect(restricted(messages.activityValueInWorkflow).join('\n')).toMatch(/as types only/);
  });

  it('accepts a type-only import of activities in a workflow file', () => {
    expect(messages.activityTypeInWorkflow).toEqual([]);
  });

  it('allows Node modules in activity code', () => {
    expect(messages.fsInActivity).toEqual([]);
  });
});
