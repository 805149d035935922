import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { recordHistory, withAgent } from '../helpers/agent';
import { runCli } from '../helpers/cli';
import { createTestTools } from '../helpers/test-tools';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

/** The Temporal UI of the dev server shows a finished run, its goal as summary, and a tool activity's summary. */
describe('Temporal UI (headless Chromium)', () => {
  jest.setTimeout(120_000);
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run \`npm run setup\` (it installs Debian's chromium) or set CHROMIUM_PATH.`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => browser?.close());

  it('shows the run, its summary and a tool activity summary', async () => {
    const uiUrl = process.env.DURABLE_AGENT_TEST_UI_URL;
    if (!uiUrl) throw new Error('DURABLE_AGENT_TEST_UI_URL is not set: run through Jest.');
    const testTools = createTestTools();
    const goal = 'Check the UI shows this goal';
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'ui-visible-call', ms: 10 } }] }, { content: 'done' }] };
    const workflowId = await withAgent(script, testTools.tools, async ({ client, taskQueue }) => {
      const workflowId = `ui-${taskQueue}`;
      await client.workflow.execute('agentWorkflow', { taskQueue, workflowId, args: [{ goal, searchAttributes: true }], staticSummary: goal });
      await recordHistory(client.workflow.getHandle(workflowId), 'agent-search-attributes');
      return workflowId;
    });

    const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    try {
      await page.goto(`${uiUrl}/namespaces/default/workflows/${workflowId}`, { waitUntil: 'domcontentloaded' });
      await page.getByText(workflowId).first().waitFor({ timeout: 30_000 });
      // A tool activity's one-line summary, in the event history.
      await page.getByText('sleep ui-visible-call').first().waitFor({ timeout: 30_000 });
      // The goal as the run's summary, on the User Metadata tab (which does not show the input).
      await page.getByRole('tab', { name: /User Metadata/ }).click();
      await page.getByText('Events with Metadata').waitFor({ timeout: 30_000 });
      // The UI renders the summary (markdown) in an iframe of its own.
      await page.frameLocator('iframe[src*="/render?content="]').first().getByText(goal).waitFor({ timeout: 30_000 });
      await page.getByText('sleep ui-visible-call', { exact: true }).waitFor({ timeout: 30_000 });
    } finally {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'ui-run.png'), fullPage: true });
      await page.close();
    }
  });

  it('the link a command prints opens the run, with the UI on a port that is not the gRPC port + 1000', async () => {
    const uiUrl = process.env.DURABLE_AGENT_TEST_UI_URL;
    const address = process.env.DURABLE_AGENT_TEST_ADDRESS;
    if (!uiUrl || !address) throw new Error('DURABLE_AGENT_TEST_UI_URL / _ADDRESS are not set: run through Jest.');
    // The test server's ports are both picked free, so the convention (gRPC + 1000) would point elsewhere.
    expect(uiUrl).not.toBe(`http://127.0.0.1:${Number(address.split(':')[1]) + 1000}`);
    const { OPENAI_API_KEY: _key, TEMPORAL_UI_URL: _ui, ...rest } = process.env;
    const taskQueue = `ui-link-${Date.now()}`;
    const env = { ...rest, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue, NO_COLOR: '1' };
    // No worker polls this queue: the run waits, and --detach says so with its own exit code.
    const started = await runCli(['run', '--detach', '--json', 'a run to link to'], env);
    expect(started.code).toBe(6);
    expect(started.stderr).toContain(`no worker polls task queue "${taskQueue}"`);
    const { workflowId, runUrl } = JSON.parse(started.stdout) as { workflowId: string; runUrl: string };
    expect(runUrl).toBe(`${uiUrl}/namespaces/default/workflows/${workflowId}`);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await page.goto(runUrl, { waitUntil: 'domcontentloaded' });
      await page.getByText(workflowId).first().waitFor({ timeout: 30_000 });
    } finally {
      await page.close();
      // `cancel` with no worker on the queue says so at once instead of waiting for an end that cannot come yet.
      const cancelled = await runCli(['cancel', workflowId], env, 15_000);
      expect(cancelled.stdout).toContain(`${workflowId}: cancel requested (no worker polls task queue "${taskQueue}"`);
      // No worker will ever take it: end it on the server.
      const connection = await Connection.connect({ address });
      await new Client({ connection }).workflow.getHandle(workflowId).terminate('test over');
      await connection.close();
    }
  });
});
