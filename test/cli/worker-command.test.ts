import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, startCli, waitForOutput } from '../helpers/cli';
import { uniqueTaskQueue } from '../helpers/temporal';

/** The environment of a worker on the test server, with no model configured unless `extra` sets one. */
function workerEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, DURABLE_AGENT_MCP_CONFIG: _mcp, DURABLE_AGENT_MODEL: _model, ...rest } = process.env;
  return { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: uniqueTaskQueue('worker-start'), NO_COLOR: '1', ...extra };
}

/** Starts `durable-agent worker` (of this package, or of the copy at `cli`), waits for its start line, stops it; returns what it printed. */
async function startLines(env: NodeJS.ProcessEnv, args: string[] = [], cli = CLI_PATH): Promise<string> {
  const worker = cli === CLI_PATH ? startCli(['worker', ...args], env) : startCopy(cli, ['worker', ...args], env);
  try {
    await waitForOutput(worker, /polling task queue/, 90_000, 'stderr');
    return worker.output().stderr;
  } finally {
    worker.kill('SIGTERM');
    await worker.done;
  }
}

/** Starts the CLI of a copy of the package, collecting its output as `startCli` does. */
function startCopy(cli: string, args: string[], env: NodeJS.ProcessEnv): ReturnType<typeof startCli> {
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const output = () => ({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
  const done = new Promise<ReturnType<typeof output>>((resolve) => child.once('close', () => resolve(output())));
  return Object.assign(child, { output, done });
}

/** `durable-agent worker` says on one line what it serves, warns when it has no model, and keeps the bundler quiet. */
describe('durable-agent worker start', () => {
  jest.setTimeout(180_000);

  it('names its queue, tools and model in one line, with no bundler output', async () => {
    const stderr = await startLines(workerEnvironment({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', DURABLE_AGENT_MODEL: 'smollm2' }));
    expect(stderr).toMatch(/Worker polling task queue "[^"]*worker-start-[^"]+" on 127\.0\.0\.1:\d+ \(namespace default\): tools http_get, read_file, list_dir, wait, ask_user, read_output; model smollm2 at http:\/\/127\.0\.0\.1:9\/v1\. Ctrl-C stops it\./);
    // webpack's statistics (assets, modules, "compiled successfully") are not shown without --verbose.
    expect(stderr).not.toMatch(/compiled|asset |modules by path|webpack/i);
    expect(stderr).not.toContain('no model is configured');
    // The built worker loads the prebuilt bundle: nothing is bundled at start.
    expect(stderr).not.toContain('Bundling the workflow code');
  });

  it('with no model configured it still starts, and says what every run would hit and what to set', async () => {
    const stderr = await startLines(workerEnvironment());
    expect(stderr).toMatch(/: tools [^;]+; no model\. Ctrl-C stops it\./);
    expect(stderr).toContain('Warning: no model is configured, so every run on this worker fails at its first model call (NotConfigured): set OPENAI_API_KEY');
  });

  it('--verbose says the built worker loads the prebuilt workflow bundle of this build (npm run build writes it)', async () => {
    const stderr = await startLines(workerEnvironment({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }), ['--verbose']);
    expect(stderr).toContain('workflow bundle: prebuilt (dist/workflow-bundle.js)');
    expect(stderr).not.toMatch(/compiled|asset |modules by path|webpack/i);
  });

  it('never loads a stale bundle: a workflow file changed since the build → bundled at start, saying why; --verbose shows the bundler', async () => {
    // A copy of the built package (node_modules linked), one of whose compiled workflow files no longer matches the bundle.
    const folder = mkdtempSync(join(tmpdir(), 'durable-agent-stale-bundle-'));
    try {
      const root = join(__dirname, '..', '..');
      const copy = join(folder, 'package');
      mkdirSync(copy);
      for (const entry of ['dist', 'bin', 'package.json']) cpSync(join(root, entry), join(copy, entry), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
      appendFileSync(join(copy, 'dist', 'workflows', 'agent', 'step.js'), '\n// changed after the build\n');
      const stderr = await startLines(workerEnvironment({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }), ['--verbose'], join(copy, 'bin', 'durable-agent'));
      expect(stderr).toContain('workflow bundle: bundled at start (dist/workflows/agent/step.js changed since it was built)');
      expect(stderr).toMatch(/compiled|asset |modules by path|webpack/i);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
