import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../../src/temporal-server/dev-server';
import { resolveTemporalBinary } from '../../src/temporal-server/temporal-binary';
import { ConfigurationError, DEFAULT_TEMPORAL_ADDRESS, loadTemporalConfig } from '../../src/config/temporal-config';
import { DEFAULT_MODEL, loadModelConfig } from '../../src/config/model-config';
import { DEFAULT_MODEL_PRICES } from '../../src/contracts/pricing';
import { withoutBlankVariables } from '../../src/config/parse-environment';
import { loadBuiltinToolsConfig } from '../../src/config/tools-config';
import { chooseModel } from '../../src/runtime/model-choice';
import { runCli, startCli, waitForOutput } from '../helpers/cli';
import { uniqueTaskQueue } from '../helpers/temporal';

describe('loadTemporalConfig', () => {
  it('defaults to the embedded dev server address, the default namespace and the durable-agent queue', () => {
    const config = loadTemporalConfig({ TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' });
    expect(config).toMatchObject({
      address: DEFAULT_TEMPORAL_ADDRESS,
      addressConfigured: false,
      namespace: 'default',
      taskQueue: 'durable-agent',
      worker: { maxConcurrentActivities: 100, maxConcurrentWorkflowTasks: 40, maxEagerActivities: 16 },
    });
  });

  it('reads the address and namespace, and the API key and TLS through envconfig', () => {
    const config = loadTemporalConfig({
      TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      TEMPORAL_NAMESPACE: 'agents',
      TEMPORAL_API_KEY: 'secret-key',
      TEMPORAL_TLS: 'true',
      TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml',
    });
    expect(config.address).toBe('temporal.example.com:7233');
    expect(config.addressConfigured).toBe(true);
    expect(config.namespace).toBe('agents');
    expect(config.connectionOptions.apiKey).toBe('secret-key');
    expect(config.connectionOptions.tls).toBeTruthy();
  });

  it.each([
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS: expected HOST:PORT.*got `localhost`/],
    ['DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS', 'many', /DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS: .*got `many`/],
    ['DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES', '0', /DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES: .*got `0`/],
  ])('rejects %s=%j with a message naming the variable', (name, value, pattern) => {
    const load = () => loadTemporalConfig({ [name]: value });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(pattern);
  });
});

/** `FOO=` means unset to a shell user and to the openai SDK: a blank variable never fails validation. */
describe('empty and whitespace-only variables count as unset', () => {
  it.each(['', '   ', '\t\n'])('treats OPENAI_API_KEY=%j and friends as unset, so the defaults apply', (blank) => {
    expect(
      loadModelConfig({ OPENAI_API_KEY: blank, OPENAI_BASE_URL: blank, DURABLE_AGENT_MODEL: blank, DURABLE_AGENT_MODEL_TIMEOUT_MS: blank, DURABLE_AGENT_MODEL_STREAM: blank, DURABLE_AGENT_MODEL_EXTRA_BODY: blank }),
    ).toEqual({ defaultModel: DEFAULT_MODEL, requestTimeoutMs: 110_000, prices: DEFAULT_MODEL_PRICES, stream: true });
  });

  it('still reads the non-blank variables beside a blank one', () => {
    expect(loadModelConfig({ OPENAI_API_KEY: '', OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' })).toEqual({
      baseURL: 'http://127.0.0.1:8000/v1',
      defaultModel: DEFAULT_MODEL,
      requestTimeoutMs: 110_000,
      prices: DEFAULT_MODEL_PRICES,
      stream: true,
    });
  });

  it('reads DURABLE_AGENT_MODEL_STREAM and DURABLE_AGENT_MODEL_EXTRA_BODY, and names a bad one', () => {
    expect(loadModelConfig({ DURABLE_AGENT_MODEL_STREAM: 'off', DURABLE_AGENT_MODEL_EXTRA_BODY: '{"tool_choice": "required"}' })).toMatchObject({ stream: false, extraBody: { tool_choice: 'required' } });
    expect(() => loadModelConfig({ DURABLE_AGENT_MODEL_STREAM: 'maybe' })).toThrow(/DURABLE_AGENT_MODEL_STREAM: expected on or off/);
    expect(() => loadModelConfig({ DURABLE_AGENT_MODEL_EXTRA_BODY: '[1]' })).toThrow(/DURABLE_AGENT_MODEL_EXTRA_BODY: expected a JSON object/);
    expect(() => loadModelConfig({ DURABLE_AGENT_MODEL_EXTRA_BODY: '{oops' })).toThrow(/DURABLE_AGENT_MODEL_EXTRA_BODY: expected a JSON object/);
  });

  it('reads DURABLE_AGENT_PLANNER_HANDOFF_MS (unset: the run decides), and names a bad one', () => {
    expect(loadModelConfig({})).not.toHaveProperty('handoffAfterMs');
    expect(loadModelConfig({ DURABLE_AGENT_PLANNER_HANDOFF_MS: '1500' })).toMatchObject({ handoffAfterMs: 1_500 });
    expect(() => loadModelConfig({ DURABLE_AGENT_PLANNER_HANDOFF_MS: '90000' })).toThrow(/DURABLE_AGENT_PLANNER_HANDOFF_MS: expected at most 60000/);
    expect(() => loadModelConfig({ DURABLE_AGENT_PLANNER_HANDOFF_MS: 'soon' })).toThrow(/DURABLE_AGENT_PLANNER_HANDOFF_MS/);
  });

  it('reads DURABLE_AGENT_PRICES over the built-in table, and names a bad one', () => {
    const prices = loadModelConfig({ DURABLE_AGENT_PRICES: '{"local-llama": {"inputPerMillion": 0, "outputPerMillion": 0.1}}' }).prices;
    expect(prices?.['local-llama']).toEqual({ inputPerMillion: 0, outputPerMillion: 0.1 });
    expect(prices?.['gpt-4o-mini']).toEqual(DEFAULT_MODEL_PRICES['gpt-4o-mini']);
    expect(() => loadModelConfig({ DURABLE_AGENT_PRICES: '{oops' })).toThrow(/DURABLE_AGENT_PRICES: expected JSON such as/);
  });

  it('still rejects a non-blank bad value, naming the variable', () => {
    expect(() => loadModelConfig({ OPENAI_BASE_URL: 'not a url' })).toThrow(/OPENAI_BASE_URL: expected a URL.*got `not a url`/);
  });

  it('gives tool variables their defaults when blank', () => {
    const config = loadBuiltinToolsConfig(
      { AGENT_HTTP_ALLOW: ' ', AGENT_HTTP_MAX_BYTES: '', AGENT_READ_MAX_BYTES: ' ', AGENT_WAIT_MAX_SECONDS: '' },
      process.cwd(),
    );
    expect(config).toMatchObject({ httpAllow: [], httpMaxBytes: 1_048_576, readMaxBytes: 262_144, waitMaxSeconds: 86_400 });
  });

  it('gives worker variables read by our own schema their defaults when blank', () => {
    const config = loadTemporalConfig({
      TEMPORAL_TASK_QUEUE: ' ',
      DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES: '',
      DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS: '  ',
      TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml',
    });
    expect(config).toMatchObject({ taskQueue: 'durable-agent', worker: { maxConcurrentActivities: 100, maxConcurrentWorkflowTasks: 40 } });
  });

  it('drops exactly the blank variables', () => {
    expect(withoutBlankVariables({ A: '', B: ' \t', C: 'x', D: ' y ', E: undefined })).toEqual({ C: 'x', D: ' y ' });
  });

  it('runs the offline demo for `run` when OPENAI_API_KEY is empty, as if it were unset', async () => {
    const choice = await chooseModel(undefined, { OPENAI_API_KEY: '', OPENAI_BASE_URL: ' ' });
    try {
      expect(choice.kind).toBe('demo');
    } finally {
      await choice.scripted?.close();
    }
  });
});

describe('bad configuration reaches the user as a clear message, fast', () => {
  it('says "cannot reach Temporal at HOST:PORT" with the cause when nothing listens', async () => {
    const port = await freePort();
    const result = await runCli(['worker'], { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` }, 20_000);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`cannot reach Temporal at 127.0.0.1:${port}: connection refused`);
  });

  it('exits with the configuration code and names the variable', async () => {
    const result = await runCli(['worker'], { ...process.env, TEMPORAL_ADDRESS: 'not an address' }, 20_000);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/TEMPORAL_ADDRESS: expected HOST:PORT/);
  });

  it('a bad encryption key stops the worker with the configuration code, naming the entry and never the key', async () => {
    const short = 'c2hvcnQta2V5LW1hdGVyaWFs';
    const result = await runCli(['worker'], { ...process.env, DURABLE_AGENT_ENCRYPTION_KEYS: `k1:${short}` }, 20_000);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('DURABLE_AGENT_ENCRYPTION_KEYS, entry 1 (key id "k1"): the key must be 32 random bytes');
    expect(result.stderr).not.toContain(short);
  });

  it('a worker with encryption on says so in its start line, with the key id only', async () => {
    const key = `k7:${randomBytes(32).toString('base64')}`;
    const worker = startCli(['worker'], { ...process.env, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('encrypted-start'), DURABLE_AGENT_ENCRYPTION_KEYS: key });
    try {
      await waitForOutput(worker, /polling task queue/, 90_000, 'stderr');
      expect(worker.output().stderr).toMatch(/; payloads encrypted \(key k7\)\. Ctrl-C stops it\./);
      expect(worker.output().stderr).not.toContain(key.slice(3));
    } finally {
      worker.kill('SIGTERM');
      await worker.done;
    }
  });

  it('with no binary, no Go and no server, names every way to provide the binary', async () => {
    const emptyFolder = mkdtempSync(join(tmpdir(), 'durable-agent-nobin-'));
    try {
      // PATH holds only Node's own folder: no `temporal`, no `go`.
      const env = { PATH: dirname(process.execPath), HOME: emptyFolder, DURABLE_AGENT_CACHE_DIR: emptyFolder };
      await expect(resolveTemporalBinary({ env, onProgress: () => undefined })).rejects.toThrow(/Go is not installed/);
      const port = String(await freePort());
      const result = await runCli(['server', '--port', port, '--ui-port', '0', '--db-file', join(emptyFolder, 'db.sqlite')], env, 20_000);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('No Temporal server binary is available (Go is not installed)');
      for (const way of ['TEMPORAL_ADDRESS', 'TEMPORAL_CLI_PATH', 'install Go >= 1.25']) expect(result.stderr).toContain(way);
    } finally {
      rmSync(emptyFolder, { recursive: true, force: true });
    }
  });

  it('rejects a TEMPORAL_CLI_PATH that points at nothing', async () => {
    await expect(resolveTemporalBinary({ env: { TEMPORAL_CLI_PATH: '/nonexistent/temporal' } })).rejects.toThrow(
      /TEMPORAL_CLI_PATH is set to "\/nonexistent\/temporal", but no executable file is there/,
    );
  });
});

describe('blank Temporal variables count as unset', () => {
  it('uses the defaults and no TLS for empty TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_API_KEY', () => {
    const config = loadTemporalConfig({ TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: ' ', TEMPORAL_API_KEY: '' });
    expect(config.address).toBe('127.0.0.1:7233');
    expect(config.namespace).toBe('default');
    expect(config.connectionOptions.tls).toBeFalsy();
  });
});
