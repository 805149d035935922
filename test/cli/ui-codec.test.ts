import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { connectClient } from '../../src/config/connect';
import { loadTemporalConfig } from '../../src/config/temporal-config';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { createWorker } from '../../src/worker';
import { isAlive, startCli, waitForOutput } from '../helpers/cli';
import { installQuietRuntime, testWorkflowBundlePath, uniqueTaskQueue } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const KEYS = `ui-key:${randomBytes(32).toString('base64')}`;
const GOAL = 'Summarize the quarterly numbers of Contoso';
const ANSWER = 'Contoso grew by 42 percent';
/** How the UI shows the metadata of a payload it cannot decode: base64, as stored. */
const ENCRYPTED_ENCODING_SHOWN = Buffer.from('binary/encrypted').toString('base64');
const SCRIPT = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'codec-visible-call', ms: 10 } }] }, { content: ANSWER }] };

/**
 * One agent run to its end on the server at `address`, by a worker and a client that encrypt payloads with KEYS (the
 * way `durable-agent worker` does when DURABLE_AGENT_ENCRYPTION_KEYS is set). Returns the run's id.
 */
async function runEncrypted(address: string): Promise<string> {
  installQuietRuntime();
  const config = loadTemporalConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', DURABLE_AGENT_ENCRYPTION_KEYS: KEYS });
  const model = await startScriptedModel(compileScript(SCRIPT));
  const connection = await NativeConnection.connect(config.connectionOptions);
  const client = await connectClient(config);
  try {
    const taskQueue = uniqueTaskQueue('ui-codec');
    const worker = await createWorker({
      config,
      connection,
      taskQueue,
      workflowBundle: { codePath: testWorkflowBundlePath() },
      tools: createTestTools().tools,
      model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 },
    });
    const workflowId = `${taskQueue}-run`;
    const result = await worker.runUntil(client.workflow.execute('agentWorkflow', { taskQueue, workflowId, args: [{ goal: GOAL }], staticSummary: GOAL }));
    expect(result).toMatchObject({ status: 'final', answer: ANSWER });
    return workflowId;
  } finally {
    await client.connection.close();
    await connection.close();
    await model.close();
  }
}

/** The run's start event as the server stores it, read by a client without the keys. */
async function storedInputEncoding(address: string, workflowId: string): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    return Buffer.from(input?.metadata?.encoding ?? new Uint8Array()).toString('utf8');
  } finally {
    await connection.close();
  }
}

async function openRun(browser: Browser, uiUrl: string, workflowId: string, name: string, check: (page: Page) => Promise<void>): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
  try {
    await page.goto(`${uiUrl}/namespaces/default/workflows/${workflowId}`, { waitUntil: 'domcontentloaded' });
    await page.getByText(workflowId).first().waitFor({ timeout: 30_000 });
    await check(page);
  } finally {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
    await page.close();
  }
}

/**
 * `durable-agent server` with encryption on runs a codec server and points its Web UI at it: the UI shows a run's
 * payloads in plain text while the server stores ciphertext; a UI without it shows the ciphertext (docs/codec-server.md).
 */
describe('Temporal UI through the codec server (headless Chromium)', () => {
  jest.setTimeout(240_000);
  let browser: Browser;
  let folder: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run \`npm run setup\` (it installs Debian's chromium) or set CHROMIUM_PATH.`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-ui-codec-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('the embedded UI decodes an encrypted run through the codec server; a UI without one shows ciphertext', async () => {
    const { DURABLE_AGENT_ENCRYPTION_KEY_FILE: _file, ...env } = process.env;
    const child = startCli(['server', '--port', '0', '--ui-port', '0', '--db-file', join(folder, 'dev.sqlite')], { ...env, DURABLE_AGENT_ENCRYPTION_KEYS: KEYS });
    let serverPid = -1;
    try {
      const [, pid] = await waitForOutput(child, /running \(pid (\d+),/);
      serverPid = Number(pid);
      const [, codecUrl = ''] = await waitForOutput(child, /Codec server: (http:\/\/127\.0\.0\.1:\d+), the Web UI decodes encrypted payloads through it/);
      const { stdout } = child.output();
      const address = /gRPC address: (\S+)/.exec(stdout)?.[1] ?? '';
      const uiUrl = /Web UI:\s+(\S+)/.exec(stdout)?.[1] ?? '';
      expect(stdout).not.toContain(codecUrl + '/');

      const workflowId = await runEncrypted(address);
      // The database holds ciphertext.
      expect(await storedInputEncoding(address, workflowId)).toBe('binary/encrypted');
      await openRun(browser, uiUrl, workflowId, 'ui-codec-decoded.png', async (page) => {
        await page.getByText(ANSWER).first().waitFor({ timeout: 30_000 });
        await page.getByText(GOAL).first().waitFor({ timeout: 30_000 });
        await page.getByText('sleep codec-visible-call').first().waitFor({ timeout: 30_000 });
        // The UI decodes each payload as it renders it: one may show as stored for a moment (seen once in CI); none stays so.
        await until('no payload shown encrypted', async () => ((await page.getByText(ENCRYPTED_ENCODING_SHOWN).count()) === 0 ? true : undefined), 15_000, 250);
      });

      // The same run on the shared test server, whose UI has no codec endpoint.
      const plainAddress = process.env.DURABLE_AGENT_TEST_ADDRESS;
      const plainUi = process.env.DURABLE_AGENT_TEST_UI_URL;
      if (!plainAddress || !plainUi) throw new Error('DURABLE_AGENT_TEST_ADDRESS / _UI_URL are not set: run through Jest.');
      const encryptedId = await runEncrypted(plainAddress);
      await openRun(browser, plainUi, encryptedId, 'ui-codec-ciphertext.png', async (page) => {
        await page.getByText(ENCRYPTED_ENCODING_SHOWN).first().waitFor({ timeout: 30_000 });
        // The run's activities are listed (the page is loaded), their encrypted summaries are not.
        await page.getByText('describeTools').first().waitFor({ timeout: 30_000 });
        expect(await page.getByText(ANSWER).count()).toBe(0);
        expect(await page.getByText(GOAL).count()).toBe(0);
        expect(await page.getByText('sleep codec-visible-call').count()).toBe(0);
      });

      child.kill('SIGTERM');
      const result = await child.done;
      expect(result.code).toBe(0);
      expect(isAlive(serverPid)).toBe(false);
      // The codec server stopped with it.
      await expect(fetch(`${codecUrl}/decode`, { method: 'POST', body: '{}' })).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      if (serverPid > 0 && isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    }
  });
});
