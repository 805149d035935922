import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AgentClient, type AgentRunHandle } from '../../src/client';
import { withAgent } from '../helpers/agent';
import { testConfig } from '../helpers/temporal';
import { createDeployTool } from '../helpers/test-tools';
import { until } from '../helpers/until';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
/** With UPDATE_UI_SCREENSHOTS=1 the screenshots also replace the ones docs/ui.md shows. */
const DOC_IMAGES = join(__dirname, '..', '..', 'docs', 'images');
const FINAL = { content: 'Done. I saw: {{observations}}' };

async function screenshot(page: Page, name: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const image = await page.screenshot({ path: join(ARTIFACTS, name), ...(clip ? { clip } : {}) });
  if (!process.env.UPDATE_UI_SCREENSHOTS) return;
  mkdirSync(DOC_IMAGES, { recursive: true });
  writeFileSync(join(DOC_IMAGES, name), image);
}

/** Starts a run through the client (goal and agent status as search attributes) and waits until its deploy call waits for approval. */
async function waitingRun(agents: AgentClient, goal: string, workflowId: string): Promise<AgentRunHandle> {
  const run = await agents.start({ goal, approvalTimeoutMs: 600_000 }, { workflowId });
  await until(`${workflowId} to wait for approval after its wait`, async () => {
    const state = await run.state();
    return state.status === 'waiting_for_approval' && state.toolCalls.ok === 1 ? true : undefined;
  });
  return run;
}

/** A run waiting for a person, as the Temporal UI shows it (issue 24, docs/ui.md): its page and the list's agent columns. */
describe('Temporal UI: a waiting run (headless Chromium)', () => {
  jest.setTimeout(180_000);
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run \`npm run setup\` (it installs Debian's chromium) or set CHROMIUM_PATH.`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => browser?.close());

  it('shows the agent status and the command that answers the wait, timer summaries, and the agent columns in the list', async () => {
    const uiUrl = process.env.DURABLE_AGENT_TEST_UI_URL;
    if (!uiUrl) throw new Error('DURABLE_AGENT_TEST_UI_URL is not set: run through Jest.');
    const deploy = createDeployTool();
    const script = { turns: [{ toolCalls: [{ name: 'wait', arguments: { seconds: 1 } }, { name: 'deploy', arguments: { service: 'api', version: '1.0' } }] }, FINAL] };
    await withAgent(script, [deploy.tool], async ({ client, taskQueue }) => {
      const agents = new AgentClient(client, { ...testConfig(), taskQueue });
      // A run cancelled while it waited: Temporal says Completed (it returned its result), the agent says cancelled.
      const cancelled = await waitingRun(agents, 'Deploy the web service (cancelled while it waited)', `${taskQueue}-cancelled`);
      await cancelled.cancel();
      expect(await cancelled.result()).toMatchObject({ status: 'cancelled' });
      const run = await waitingRun(agents, 'Deploy the api service once a person approves', `${taskQueue}-waiting`);
      const id = run.workflowId;

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      try {
        // The run's page: its timeline, where each timer has its summary.
        await page.goto(`${uiUrl}/namespaces/default/workflows/${id}`, { waitUntil: 'domcontentloaded' });
        await page.getByText('approval for deploy call s1-2 expires').first().waitFor({ timeout: 30_000 });
        await page.getByText('wait 1s (call s1-1)').first().waitFor({ timeout: 30_000 });
        await screenshot(page, 'ui-run-timeline.png', { x: 60, y: 60, width: 1220, height: 780 });

        // User Metadata: the goal as summary, and the live details with the agent status and the commands that answer.
        await page.getByRole('tab', { name: /User Metadata/ }).click();
        await page.getByText('Current Details').waitFor({ timeout: 30_000 });
        const details = page.frameLocator('iframe[src*="waiting_for_approval"]');
        await details.getByText('waiting_for_approval').waitFor({ timeout: 30_000 });
        await details.getByText(`durable-agent approve ${id} s1-2`).waitFor({ timeout: 30_000 });
        await details.getByText(/tools 1 ok \/ 0 failed/).waitFor({ timeout: 30_000 });
        // The last line is inside the frame the UI sized for the details (not cut off below it).
        const frame = await page.locator('iframe[src*="waiting_for_approval"]').boundingBox();
        const lastLine = await details.getByText(`durable-agent deny ${id} s1-2`).boundingBox();
        expect(frame && lastLine && lastLine.y + lastLine.height <= frame.y + frame.height).toBe(true);
        await screenshot(page, 'ui-run-details.png', { x: 60, y: 60, width: 1220, height: 720 });

        // The list, with the agent's own status and goal as columns (added the way docs/ui.md says).
        await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`TaskQueue="${taskQueue}"`)}`, { waitUntil: 'domcontentloaded' });
        await page.getByText(id).first().waitFor({ timeout: 30_000 });
        await page.getByTestId('workflows-summary-table-configuration-button').click();
        for (const name of ['Add AgentStatus column', 'Add AgentGoal column', 'Remove Run ID column', 'Remove Type column', 'Remove End column', 'Move AgentStatus column up', 'Move AgentGoal column up']) {
          await page.getByRole('button', { name }).click();
        }
        await page.getByRole('button', { name: 'Close Workflows Table configuration' }).click();
        await page.getByRole('button', { name: 'Collapse saved views' }).click();
        const rows = page.locator('tr', { hasText: taskQueue });
        const waitingRow = rows.filter({ hasText: id });
        await waitingRow.getByText('waiting_for_approval').waitFor({ timeout: 30_000 });
        await waitingRow.getByText('Deploy the api service once a person approves').waitFor({ timeout: 30_000 });
        const cancelledRow = rows.filter({ hasText: cancelled.workflowId });
        await cancelledRow.getByText('Completed').waitFor({ timeout: 30_000 });
        await cancelledRow.getByText('cancelled', { exact: true }).waitFor({ timeout: 30_000 });
        await screenshot(page, 'ui-list-columns.png', { x: 60, y: 60, width: 1220, height: 260 });
      } finally {
        await page.close();
        await run.approve('s1-2');
        await run.result();
      }
    });
  });
});
