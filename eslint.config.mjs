// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** Node built-ins in every spelling (`fs`, `node:fs`, `fs/promises`). */
const nodeModules = builtinModules.flatMap((name) => [name, `node:${name}`]);

/**
 * The sandbox boundary of DESIGN.md §2: workflow code and shared model code do no I/O and never import
 * activity or tool code by value (type-only imports are fine: they vanish at compile time).
 */
const sandboxImports = {
  paths: nodeModules.map((name) => ({
    name,
    message: 'Workflow and shared code runs in the deterministic sandbox: no Node modules or I/O here.',
  })),
  patterns: [
    {
      group: ['**/activities', '**/activities/**', '**/tools', '**/tools/**', '**/worker', '**/client', '**/config/**', '**/temporal-server/**'],
      allowTypeImports: true,
      message: 'Import activities and Node-side code into workflow code as types only (`import type`).',
    },
    {
      group: ['@temporalio/activity', '@temporalio/worker', '@temporalio/client', '@temporalio/envconfig', 'openai'],
      allowTypeImports: true,
      message: 'This package runs outside the workflow sandbox; import it as a type only.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', '.temporal/', 'dist/', 'coverage/', 'test-artifacts/'] },
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
    files: ['src/workflows/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', sandboxImports],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use `sleep` from @temporalio/workflow: timers in workflows must be durable.' },
        { name: 'setInterval', message: 'Workflows have no intervals; loop with `sleep` from @temporalio/workflow.' },
        { name: 'process', message: 'Workflow code cannot read the process environment.' },
      ],
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
