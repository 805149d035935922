import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import type { AgentRunResult } from '../../src/contracts';
import { uniqueTaskQueue } from '../helpers/temporal';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PACKAGE = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Runs a command in `cwd`, failing with its output when it fails. */
async function shOutput(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeout = 240_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${failure.message}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`, { cause: error });
  }
}

/** Runs a command in `cwd` and returns its stdout, failing with its output when it fails. */
async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeout = 240_000): Promise<string> {
  return (await shOutput(command, args, cwd, env, timeout)).stdout;
}

/** What `tsc` reports: one `file(line,col): error TSnnnn` per diagnostic. */
function tscErrors(output: string): { file: string; code: string }[] {
  return [...output.matchAll(/^(\S+?)\(\d+,\d+\): error (TS\d+)/gm)].map((match) => ({ file: match[1] ?? '', code: match[2] ?? '' }));
}

/**
 * The compiler options `tsc --init` of the pinned TypeScript (5.9) writes, with `types: ["node"]` instead of `[]`:
 * what a user who starts from `tsc --init` has, in an ES module package (`verbatimModuleSyntax` refuses `import` in a
 * CommonJS one).
 */
const TSC_INIT_OPTIONS = {
  module: 'nodenext',
  target: 'esnext',
  types: ['node'],
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  strict: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noUncheckedSideEffectImports: true,
  moduleDetection: 'force',
  skipLibCheck: true,
  noEmit: true,
};

/** The version this repo pins for a development dependency. */
function devVersion(name: string): string {
  const version = PACKAGE.devDependencies[name];
  if (!version) throw new Error(`package.json pins no ${name}`);
  return version;
}

type LockEntry = Record<string, unknown> & { dev?: boolean; devOptional?: boolean };

/**
 * Where the registry serves a locked package's tarball. This repo's lock leaves `resolved` out (npm does so for the
 * default registry); with it spelled out, `npm ci --offline` takes the tarball from the cache by URL and integrity and
 * never needs the package's metadata document, whose cached copy npm may not accept.
 */
function registryLocation(path: string, entry: LockEntry): { resolved?: string } {
  if (entry.resolved !== undefined || entry.link || typeof entry.version !== 'string') return {};
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return { resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop() ?? name}-${entry.version}.tgz` };
}

/**
 * A lock file for the consumer, derived from this repo's: durable-agent's own dependencies resolve exactly as they
 * do here (same versions, same integrity, so `npm ci --offline` finds each in the cache without asking the
 * registry), plus the tarball itself and the consumer's TypeScript.
 */
function consumerLock(manifest: { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string> }, tarballPath: string): unknown {
  const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const repoRoot = repoLock.packages[''] as { dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string> };
  const packages: Record<string, unknown> = { '': { name: manifest.name, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies } };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (!path || (entry.dev && path !== 'node_modules/typescript')) continue;
    const { dev: _dev, devOptional: _devOptional, ...rest } = entry;
    const located = { ...rest, ...registryLocation(path, entry) };
    packages[path] = path === 'node_modules/typescript' ? { ...located, dev: true } : located;
  }
  packages['node_modules/durable-agent'] = {
    version: PACKAGE.version,
    resolved: manifest.dependencies['durable-agent'],
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarballPath)).digest('base64')}`,
    license: 'MIT',
    dependencies: repoRoot.dependencies,
    bin: { 'durable-agent': 'bin/durable-agent' },
    engines: repoRoot.engines,
  };
  return { name: manifest.name, lockfileVersion: 3, requires: true, packages };
}

/**
 * The package as users get it (issue 12): `npm pack`, installed offline into a fresh project outside the repo,
 * type-checked, and used — a worker with a custom tool, a backend starting a run, the installed CLI. The project is
 * examples/consumer: the README's "Getting started as a package user" files, and in src/docs/ every other TypeScript
 * block of the README and docs/ (test/unit/doc-examples.test.ts keeps the blocks equal to the files), so the code
 * the docs show compiles against the published types.
 */
describe('durable-agent as an installed package', () => {
  jest.setTimeout(600_000);
  let folder: string;
  let project: string;
  let model: ScriptedModelServer;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-consumer-'));
    // `npm test` has just built dist/; pack it as is.
    await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', folder], ROOT);
    const tarball = readdirSync(folder).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball into ${folder}`);
    project = join(folder, 'consumer');
    cpSync(join(ROOT, 'examples', 'consumer'), project, { recursive: true, filter: (source) => !/node_modules|dist$/.test(source) });
    const manifest = {
      name: 'consumer-under-test',
      private: true,
      // The MCP SDK for docs/mcp-server.md's client, as that page tells users to install it (same version as ours).
      dependencies: { 'durable-agent': `file:../${tarball}`, '@modelcontextprotocol/sdk': PACKAGE.dependencies['@modelcontextprotocol/sdk'] ?? '' },
      devDependencies: { typescript: devVersion('typescript'), '@types/node': devVersion('@types/node') },
    };
    writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(project, 'package-lock.json'), `${JSON.stringify(consumerLock(manifest, join(folder, tarball)), null, 2)}\n`);
    // Offline: every package comes from the tarball or, by integrity, from the npm cache that installing this repo filled.
    await sh('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
    // The README's offline model: examples/consumer/script.json.
    model = await startScriptedModel(compileScript(JSON.parse(readFileSync(join(project, 'script.json'), 'utf8'))));
  });

  afterAll(async () => {
    await model?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('type-checks and builds against the published types', async () => {
    await sh(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', project], project);
    await sh(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
  });

  it('builds the docs’ tools: their definitions are valid, their inputs checked, their handlers run', async () => {
    // docs/tools.md's two tools, compiled against the package (their definitions are checked when defined).
    const probe = `
      const { createTicketTool, TicketStore } = require('./dist/docs/create-ticket-tool.js');
      const { stockLookupTool } = require('./dist/docs/stock-lookup-tool.js');
      const context = { signal: new AbortController().signal, heartbeat() {}, idempotencyKey: 'run-1/s1-1', attempt: 1, workflowId: 'run-1', log: { info() {}, warn() {} } };
      (async () => {
        const store = new TicketStore();
        const tickets = createTicketTool(store);
        const input = tickets.validate({ title: 'Printer on fire' });
        const first = await tickets.run(input.value, context);
        const retried = await tickets.run(input.value, { ...context, attempt: 2 });
        const stock = await stockLookupTool.run(stockLookupTool.validate({ sku: 'ABC-1' }).value, context);
        console.log(JSON.stringify({ first, same: first === retried, size: store.tickets.size, stock, bad: stockLookupTool.validate({ sku: 'abc' }).ok }));
      })();
    `;
    const result = JSON.parse(await sh(process.execPath, ['-e', probe], project)) as Record<string, unknown>;
    expect(result).toMatchObject({ first: { id: 'T-1', title: 'Printer on fire', priority: 'normal' }, same: true, size: 1, stock: { sku: 'ABC-1', inStock: 12 }, bad: false });
  });

  it('type-checks as an ES module with the options of `tsc --init`', async () => {
    // The same files in a `"type": "module"` package: no top-level await, relative imports end in .js.
    const esm = join(project, 'esm');
    cpSync(join(project, 'src'), join(esm, 'src'), { recursive: true });
    writeFileSync(join(esm, 'package.json'), `${JSON.stringify({ name: 'consumer-esm', private: true, type: 'module' }, null, 2)}\n`);
    writeFileSync(join(esm, 'tsconfig.json'), `${JSON.stringify({ compilerOptions: TSC_INIT_OPTIONS, include: ['src'] }, null, 2)}\n`);
    await sh(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', esm], project);
    // And Node gives an ES module the package's named exports (the package itself is CommonJS).
    const probe = "import { AgentClient } from 'durable-agent'; import { defineTool, runWorker, z } from 'durable-agent/worker'; " +
      "console.log([AgentClient, defineTool, runWorker, z.object].map((value) => typeof value).join(' '));";
    expect((await sh(process.execPath, ['--input-type=module', '-e', probe], project)).trim()).toBe('function function function function');
  });

  it('needs skipLibCheck only for dependencies’ .d.ts files (Temporal’s, the MCP SDK’s): ours have no error', async () => {
    // Every entry point, with the project's strict options and the library check on.
    writeFileSync(join(project, 'entry-points.ts'), "export * as client from 'durable-agent';\nexport * as worker from 'durable-agent/worker';\nexport * as workflow from 'durable-agent/workflow';\n");
    const config = { extends: './tsconfig.json', compilerOptions: { skipLibCheck: false, noEmit: true, rootDir: '.' }, include: ['src', 'entry-points.ts'] };
    writeFileSync(join(project, 'tsconfig.libcheck.json'), `${JSON.stringify(config, null, 2)}\n`);
    const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const output = await run(process.execPath, [tsc, '-p', join(project, 'tsconfig.libcheck.json')], { cwd: project, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    const errors = tscErrors(output);
    expect(errors.length).toBe(output.split('\n').filter((line) => /error TS/.test(line)).length);
    // README, "Getting started as a package user": `@temporalio/common` types its durations with `ms`, whose
    // package.json `exports` name no types for node16 resolution (TS7016). docs/mcp-server.md: the MCP SDK's CommonJS
    // declarations, which its client example imports, import an ES module without `resolution-mode` (TS1541). Nothing
    // in durable-agent's declarations, nothing in the project's files.
    const dependencies = ['node_modules/@temporalio/', 'node_modules/@modelcontextprotocol/sdk/'];
    expect(errors.filter((error) => !dependencies.some((folder) => error.file.startsWith(folder)))).toEqual([]);
  });

  it('runs a worker with a custom tool and a backend whose run ends final having called it', async () => {
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('consumer'),
      OPENAI_BASE_URL: model.baseURL,
      OPENAI_API_KEY: 'test-key',
      DURABLE_AGENT_MODEL: 'scripted',
    };
    const worker = spawn(process.execPath, [join(project, 'dist', 'worker.js')], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let workerOutput = '';
    worker.stderr.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    worker.stdout.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    try {
      const withWorkerOutput = (error: Error): never => {
        throw new Error(`${error.message}\nworker said:\n${workerOutput}`);
      };
      // The README's getting-started path ends with the answer on stdout and the outcome on stderr.
      const backend = await shOutput(process.execPath, [join(project, 'dist', 'backend.js'), 'Where is order 42?'], project, env, 120_000).catch(withWorkerOutput);
      expect(backend.stdout).toMatch(/^Order 42: /);
      expect(backend.stdout).toContain('"status":"shipped"');
      expect(backend.stderr).toMatch(/status final · \d+ steps · tools 1 ok \/ 0 failed/);
      // docs/interaction.md's event-following example, on the same worker: the run's id and UI link, its events until it ends, the result.
      const followed = await sh(process.execPath, [join(project, 'dist', 'docs', 'follow-run.js')], project, env, 120_000).catch(withWorkerOutput);
      expect(followed).toMatch(/^agent-\S+ \S+$/m);
      expect(followed).toMatch(/^\d+ call_finished order_status /m);
      expect(followed).toMatch(/^\d+ run_ended /m);
      expect(followed).toMatch(/^final Order 42: .*"status":"shipped"/m);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('close', resolve));
    }
  });

  it('installs a working `durable-agent` bin: --help, --version and the offline demo', async () => {
    const bin = join(project, 'node_modules', '.bin', 'durable-agent');
    expect(await sh(bin, ['--help'], project)).toContain('Usage: durable-agent');
    expect((await sh(bin, ['--version'], project)).trim()).toBe(PACKAGE.version);
    const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default' };
    delete env.OPENAI_API_KEY;
    delete env.OPENAI_BASE_URL;
    const demo = JSON.parse(await sh(bin, ['run', 'Summarize this folder', '--json'], project, env, 120_000)) as AgentRunResult;
    expect(demo.status).toBe('final');
    expect(demo.toolCalls.ok).toBeGreaterThan(0);
  });
});
