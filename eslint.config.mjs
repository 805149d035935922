// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The sandbox boundary of docs/architecture.md §2, as an allowlist. Workflow code runs in Temporal's deterministic
 * sandbox and the loop's logic (`src/core`) and the public contracts (`src/contracts`) run there too, so a value
 * import may only reach code that is safe there: a few packages and the rooms below the importer — workflows may
 * reach core and contracts, core may reach contracts, contracts only themselves. A type-only import of anything is
 * fine: it vanishes at compile time.
 *
 * `no-restricted-imports` sees the import string, not the file it resolves to, so relative paths are matched
 * per folder depth: from a file in `src/workflows/agent/`, `../../core/model` reaches `src/core` and
 * `./run-state` stays in the sandbox, while `../../cli/main` leaves it. A path that climbs back up through
 * `..` after going down (`./a/../../cli`) is refused rather than resolved.
 */

/** One path segment that is neither `.` nor `..`. */
const SEGMENT = String.raw`(?!\.\.?(?:/|$))[^/]+`;
/** Any number of further segments. */
const BELOW = `(?:/${SEGMENT})*`;

/** Relative paths that stay inside the folder `depth` levels above the importing file (`./x`, `../x` …). */
function insideOwnTree(depth) {
  const upward = depth > 0 ? String.raw`|(?:\.\./){1,${depth}}` : '';
  return String.raw`(?:\./${upward})${SEGMENT}${BELOW}`;
}

/** Relative paths into `src/<target>` from a file `depth` folders below `src/<folder>/`. */
function intoFolder(depth, target) {
  return String.raw`(?:\.\./){${depth + 1}}${target}${BELOW}`;
}

/** Packages whose values are safe in the sandbox (regex sources). */
const ZOD = String.raw`zod(?:/[a-z0-9-]+)?`;
const WORKFLOW_PACKAGES = ['@temporalio/workflow', '@temporalio/common', ZOD, '@opentelemetry/api', '@temporalio/interceptors-opentelemetry/lib/workflow'];
const SHARED_PACKAGES = ['@temporalio/common', ZOD];

/**
 * Folder levels below `src/workflows/`, `src/core/` and `src/contracts/` that get their own relative-path rules. A file
 * deeper than this gets the rules of the deepest level, so its imports of `src/core` fail loudly: raise
 * the number then.
 */
const MAX_DEPTH = 4;

/** `@typescript-eslint/no-restricted-imports` options that refuse every value import not matching `allowed`. */
function allowlist(allowed, description) {
  return {
    patterns: [
      {
        regex: `^(?!(?:${allowed.join('|')})$)`,
        caseSensitive: true,
        allowTypeImports: true,
        message:
          `Code here runs in Temporal's deterministic workflow sandbox: value imports only from ${description} ` +
          '(no Node modules, no activity, tool or other Node-side code). Import anything else as a type only (`import type`).',
      },
    ],
  };
}

/**
 * One config block per folder depth under `src/<folder>/`, since what a relative path reaches depends on the depth.
 * `reaches`: the other sandbox folders it may import.
 */
function sandboxImportBlocks(folder, packages, reaches, description) {
  return Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => {
    const allowed = [...packages, insideOwnTree(depth), ...reaches.map((target) => intoFolder(depth, target))];
    const files = depth < MAX_DEPTH ? [`src/${folder}/${'*/'.repeat(depth)}*.ts`] : [`src/${folder}/${'*/'.repeat(depth)}**/*.ts`];
    return { files, rules: { '@typescript-eslint/no-restricted-imports': ['error', allowlist(allowed, description)] } };
  });
}

export default tseslint.config(
  { ignores: ['node_modules/', '.temporal/', 'dist/', 'coverage/', 'test-artifacts/', 'examples/consumer/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs', 'bin/*'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/core/**/*.ts', 'src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      'no-restricted-syntax': ['error',
        { selector: 'ImportExpression', message: 'Sandbox code (workflows, core, contracts) loads no modules at run time: use a static import.' },
      ],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use `sleep` from @temporalio/workflow: timers in workflows must be durable.' },
        { name: 'setInterval', message: 'Workflows have no intervals; loop with `sleep` from @temporalio/workflow.' },
        { name: 'process', message: 'Workflow code cannot read the process environment.' },
      ],
    },
  },
  ...sandboxImportBlocks('workflows', WORKFLOW_PACKAGES, ['core', 'contracts'], '@temporalio/workflow, @temporalio/common, zod, src/contracts, src/core and src/workflows'),
  ...sandboxImportBlocks('core', SHARED_PACKAGES, ['contracts'], '@temporalio/common, zod, src/contracts and src/core itself'),
  ...sandboxImportBlocks('contracts', SHARED_PACKAGES, [], '@temporalio/common, zod and src/contracts itself'),
  {
    // The CLI is a leaf: the client library, the MCP server and the worker never depend on it (docs/architecture.md §2).
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/workflows/**', 'src/core/**', 'src/contracts/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/cli', '**/cli/**'], message: 'Only src/cli imports src/cli: move what is shared to src/client, src/config or src/runtime.' }],
      }],
    },
  },
  {
    // Jest's matchers (`expect.any`, `expect.stringContaining`) are typed `any` and used unbound.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'bin/*'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
