import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** The project whose files the docs show; test/cli/consumer-package.test.ts type-checks it against the packed package. */
const CONSUMER_SRC = 'examples/consumer/src/';
/** The files of that project that exist only to be shown in the docs. */
const DOCS_EXAMPLES = 'examples/consumer/src/docs/';

/** `<!-- example: examples/consumer/src/docs/follow-run.ts -->` on the line right before a fenced block. */
const MARKER = /^\s*<!-- example: (\S+) -->\s*$/;
const FENCE = /^(\s*)(`{3,})\s*([\w-]*)[^`]*$/;
const TYPESCRIPT = new Set(['ts', 'typescript', 'tsx', 'mts', 'cts']);

interface Block {
  /** Where the block starts, as `file:line`. */
  at: string;
  lang: string;
  /** The block's text, without the fence's indentation, ending with a newline. */
  text: string;
  /** The file the marker before it names, if any. */
  example?: string;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** The fenced blocks of a markdown file, with the example marker before each. */
function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = FENCE.exec(lines[index] ?? '');
    if (!open) continue;
    const [, indent = '', ticks = '```', lang = ''] = open;
    const body: string[] = [];
    let end = index + 1;
    for (; end < lines.length; end++) {
      const line = lines[end] ?? '';
      if (line.trim() === ticks) break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    const marker = MARKER.exec(lines[index - 1] ?? '');
    blocks.push({ at: `${file}:${index + 1}`, lang: lang.toLowerCase(), text: `${body.join('\n')}\n`, ...(marker?.[1] ? { example: marker[1] } : {}) });
    index = end;
  }
  return blocks;
}

function filesUnder(folder: string): string[] {
  if (!existsSync(join(ROOT, folder))) return [];
  return readdirSync(join(ROOT, folder)).flatMap((name) => {
    const path = `${folder}${name}`;
    return statSync(join(ROOT, path)).isDirectory() ? filesUnder(`${path}/`) : [path];
  });
}

const BLOCKS = markdownFiles().flatMap(blocksOf);

/** Issue 24: code in the docs is code — each TypeScript block is a file that CI type-checks against the package. */
describe('code blocks in README.md and docs/', () => {
  it('finds the blocks (the parser works)', () => {
    expect(BLOCKS.filter((block) => TYPESCRIPT.has(block.lang)).length).toBeGreaterThanOrEqual(8);
    expect(BLOCKS.filter((block) => block.example).length).toBeGreaterThanOrEqual(10);
  });

  it('every TypeScript block names its file with an example marker', () => {
    const unmarked = BLOCKS.filter((block) => TYPESCRIPT.has(block.lang) && !block.example).map((block) => block.at);
    expect(unmarked).toEqual([]);
  });

  it('every TypeScript block is a file of the consumer project, which is type-checked against the packed package', () => {
    const outside = BLOCKS.filter((block) => TYPESCRIPT.has(block.lang) && block.example && !block.example.startsWith(CONSUMER_SRC)).map(
      (block) => `${block.at}: ${block.example ?? ''}`,
    );
    expect(outside).toEqual([]);
  });

  it('every marked block equals its file', () => {
    const differing = BLOCKS.filter((block) => block.example).flatMap((block) => {
      const path = join(ROOT, block.example ?? '');
      if (!existsSync(path)) return [`${block.at}: ${block.example ?? ''} does not exist`];
      return readFileSync(path, 'utf8') === block.text ? [] : [`${block.at}: differs from ${block.example ?? ''}; copy the file into the block (or the block into the file)`];
    });
    expect(differing).toEqual([]);
  });

  it(`every file of ${DOCS_EXAMPLES} is shown in a doc`, () => {
    const shown = new Set(BLOCKS.map((block) => block.example));
    expect(filesUnder(DOCS_EXAMPLES).filter((file) => !shown.has(file))).toEqual([]);
  });
});

describe('the example files', () => {
  const sources = filesUnder(CONSUMER_SRC).filter((file) => file.endsWith('.ts'));

  it('import only the package (and other packages), never its source', () => {
    const deep = sources.flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\bfrom '([^']+)'/g)]
        .map((match) => match[1] ?? '')
        .filter((specifier) => specifier.startsWith('../') || specifier.includes('/src/') || specifier.startsWith('durable-agent/dist'))
        .map((specifier) => `${file}: ${specifier}`),
    );
    expect(deep).toEqual([]);
  });

  it('use no top-level await (they run in CommonJS projects, npm init’s default) and end relative imports in .js (ES modules need it)', () => {
    const problems = sources.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, index) => {
          const found: string[] = [];
          if (/^(?!\s|\/\/|\/\*|\*)[^'"`]*\bawait\b/.test(line)) found.push(`${file}:${index + 1}: top-level await`);
          const relativeImport = /\bfrom '(\.\.?\/[^']+)'/.exec(line)?.[1];
          if (relativeImport && !relativeImport.endsWith('.js')) found.push(`${file}:${index + 1}: '${relativeImport}' needs its .js extension`);
          return found;
        }),
    );
    expect(problems).toEqual([]);
  });

  it('docs/tools.md’s ticket tool and examples/create-ticket-tool.ts (run on the real server by test/workflow/custom-tool-example.test.ts) differ only in their imports', () => {
    const body = (file: string): string =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith('import '))
        .join('\n');
    expect(body(`${DOCS_EXAMPLES}create-ticket-tool.ts`)).toBe(body('examples/create-ticket-tool.ts'));
  });
});

describe('commands in the shipped docs', () => {
  it('the README names commands as a package user types them: ./bin/durable-agent only in its from-a-clone set-up lines', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const firstBlockEnd = readme.indexOf('```', readme.indexOf('```') + 3);
    const rest = readme.slice(firstBlockEnd);
    expect(rest.split('\n').filter((line) => line.includes('./bin/durable-agent'))).toEqual([]);
  });

  it('docs/ command lines say `npx durable-agent`, except in the contributor pages that run from a clone', () => {
    const fromClone = new Set(['docs/contributing.md', 'docs/benchmarks.md']);
    const offending = BLOCKS.filter((block) => !fromClone.has(block.at.split(':')[0] ?? '') && block.at.startsWith('docs/')).flatMap((block) =>
      block.text
        .split('\n')
        .filter((line) => /^\s*(?:\$\s+)?\.\/bin\/durable-agent\b/.test(line))
        .map((line) => `${block.at}: ${line.trim()}`),
    );
    expect(offending).toEqual([]);
  });

  it('no shipped doc sends a package user to a file the package does not ship', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    const shipped = (path: string): boolean => manifest.files.some((entry) => path === entry || path.startsWith(`${entry}/`));
    // Commands a user is told to type with a file of this repository as an argument.
    const pointers = markdownFiles().flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/npx durable-agent [^\n`]*?\s((?:examples|test|src|bench|scripts)\/[\w./-]+)/g)].map(
        (match) => `${relative(ROOT, join(ROOT, file))}: ${match[1] ?? ''}`,
      ),
    );
    expect(pointers.filter((pointer) => !shipped(pointer.split(': ')[1] ?? ''))).toEqual([]);
  });
});
