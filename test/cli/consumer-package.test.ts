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
const PACKAGE = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

/** Runs a command in `cwd`, failing with its output when it fails. */
async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeout = 240_000): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${failure.message}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`, { cause: error });
  }
}

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
 * type-checked, and used — a worker with a custom tool, a backend starting a run, the installed CLI.
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
      dependencies: { 'durable-agent': `file:../${tarball}` },
      devDependencies: { typescript: devVersion('typescript'), '@types/node': devVersion('@types/node') },
    };
    writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(project, 'package-lock.json'), `${JSON.stringify(consumerLock(manifest, join(folder, tarball)), null, 2)}\n`);
    // Offline: every package comes from the tarball or, by integrity, from the npm cache that installing this repo filled.
    await sh('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
    model = await startScriptedModel(
      compileScript({ turns: [{ toolCalls: [{ name: 'order_status', arguments: { orderId: '42' } }] }, { content: 'Order status: {{observations}}' }] }),
    );
  });

  afterAll(async () => {
    await model?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('type-checks and builds against the published types', async () => {
    await sh(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', project], project);
    await sh(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
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
      const stdout = await sh(process.execPath, [join(project, 'dist', 'backend.js'), 'Where is order 42?'], project, env, 120_000).catch((error: Error) => {
        throw new Error(`${error.message}\nworker said:\n${workerOutput}`);
      });
      const result = JSON.parse(stdout.trim()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      expect(result.answer).toContain('"status":"shipped"');
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
