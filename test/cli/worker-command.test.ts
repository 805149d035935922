import { startCli, waitForOutput } from '../helpers/cli';
import { uniqueTaskQueue } from '../helpers/temporal';

/** The environment of a worker on the test server, with no model configured unless `extra` sets one. */
function workerEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, DURABLE_AGENT_MCP_CONFIG: _mcp, DURABLE_AGENT_MODEL: _model, ...rest } = process.env;
  return { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: uniqueTaskQueue('worker-start'), NO_COLOR: '1', ...extra };
}

/** Starts `durable-agent worker`, waits for its start line, stops it; returns what it printed. */
async function startLines(env: NodeJS.ProcessEnv, args: string[] = []): Promise<string> {
  const worker = startCli(['worker', ...args], env);
  try {
    await waitForOutput(worker, /polling task queue/, 90_000, 'stderr');
    return worker.output().stderr;
  } finally {
    worker.kill('SIGTERM');
    await worker.done;
  }
}

/** `durable-agent worker` says on one line what it serves, warns when it has no model, and keeps the bundler quiet. */
describe('durable-agent worker start', () => {
  jest.setTimeout(180_000);

  it('names its queue, tools and model in one line, with no bundler output', async () => {
    const stderr = await startLines(workerEnvironment({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', DURABLE_AGENT_MODEL: 'smollm2' }));
    expect(stderr).toMatch(/Worker polling task queue "[^"]*worker-start-[^"]+" on 127\.0\.0\.1:\d+ \(namespace default\): tools http_get, read_file, list_dir, wait, ask_user; model smollm2 at http:\/\/127\.0\.0\.1:9\/v1\. Ctrl-C stops it\./);
    // webpack's statistics (assets, modules, "compiled successfully") are not shown without --verbose.
    expect(stderr).not.toMatch(/compiled|asset |modules by path|webpack/i);
    expect(stderr).not.toContain('no model is configured');
  });

  it('with no model configured it still starts, and says what every run would hit and what to set', async () => {
    const stderr = await startLines(workerEnvironment());
    expect(stderr).toMatch(/: tools [^;]+; no model\. Ctrl-C stops it\./);
    expect(stderr).toContain('Warning: no model is configured, so every run on this worker fails at its first model call (NotConfigured): set OPENAI_API_KEY');
  });

  it('--verbose shows the bundler output the default hides', async () => {
    const stderr = await startLines(workerEnvironment({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }), ['--verbose']);
    expect(stderr).toMatch(/compiled|asset |modules by path|webpack/i);
  });
});
