import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

function filesUnder(folder: string, suffixes: readonly string[]): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (name === 'node_modules' || name === 'histories') return [];
    if (statSync(path).isDirectory()) return filesUnder(path, suffixes);
    return suffixes.some((suffix) => name.endsWith(suffix)) ? [path] : [];
  });
}

/** A path into the repository as code and docs cite it (`src/core/run-fold.ts`, `docs/versioning.md`). */
const CITED_PATH = /(?<![\w./-])(?:src|docs|test|bench|chaos|examples|scripts)\/[\w./-]+\.(?:ts|md|json|mjs|sh|py)\b/g;

/** docs/architecture.md §2: code and docs cite files of this repository, and every citation must lead somewhere. */
describe('references in code and docs', () => {
  it('every file path cited in src/, test/, bench/, chaos/, docs/, the README and the ESLint config exists', () => {
    const sources = [
      ...filesUnder(join(ROOT, 'src'), ['.ts']),
      ...filesUnder(join(ROOT, 'test'), ['.ts']),
      ...filesUnder(join(ROOT, 'bench'), ['.ts', '.md']).filter((file) => !file.includes(`${join('bench', 'peers')}`)),
      ...filesUnder(join(ROOT, 'chaos'), ['.ts']),
      ...filesUnder(join(ROOT, 'docs'), ['.md']),
      join(ROOT, 'README.md'),
      join(ROOT, 'eslint.config.mjs'),
    ];
    const missing = sources.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(CITED_PATH)].map((match) => match[0]).filter((cited) => !existsSync(join(ROOT, cited))).map((cited) => `${relative(ROOT, file)}: ${cited}`),
    );
    expect([...new Set(missing)]).toEqual([]);
  });
});
