import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports or re-exports, types included (`import type` counts: a circle of types is a circle). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'";]*?from\s+'([^']+)'/g)].map((match) => match[1] ?? '');
}

/** The file a relative specifier names, or undefined for a package. */
function resolveModule(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(`${relative(ROOT, from)} imports ${specifier}, which does not resolve`);
}

/** The sandbox-safe rooms of docs/architecture.md §2: the public contracts and the loop's logic. */
describe('the module graph', () => {
  const contracts = sourceFiles(join(SRC, 'contracts'));
  const core = sourceFiles(join(SRC, 'core'));

  it('src/contracts imports nothing but zod, @temporalio/common and itself', () => {
    const outside = contracts.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => {
          if (specifier === 'zod' || specifier === '@temporalio/common') return false;
          const target = resolveModule(file, specifier);
          return target === undefined || !target.startsWith(join(SRC, 'contracts'));
        })
        .map((specifier) => `${relative(ROOT, file)} → ${specifier}`),
    );
    expect(outside).toEqual([]);
  });

  it('has no import circle in src/contracts and src/core, counting type imports', () => {
    const graph = new Map<string, string[]>();
    for (const file of [...contracts, ...core]) {
      graph.set(file, importsOf(file).flatMap((specifier) => resolveModule(file, specifier) ?? []));
    }
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        circles.push([...path.slice(path.indexOf(file)), file].map((entry) => relative(SRC, entry)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });

  it('no two files of src/ share a name (index.ts barrels aside)', () => {
    const byName = new Map<string, string[]>();
    for (const file of sourceFiles(SRC)) {
      const name = basename(file);
      if (name === 'index.ts') continue;
      byName.set(name, [...(byName.get(name) ?? []), relative(SRC, file)]);
    }
    const repeated = [...byName.values()].filter((paths) => paths.length > 1);
    expect(repeated).toEqual([]);
  });
});
