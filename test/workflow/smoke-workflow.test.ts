import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { withFixtureWorker } from '../fixtures/with-fixture-worker';

/**
 * The smallest round trip through the real dev server: a worker with the fixture `smokeWorkflow` and its
 * `echo` activity (test fixtures: production workers register neither) runs one workflow.
 */
describe('smokeWorkflow on the real dev server', () => {
  it('round-trips an activity and records the expected history', async () => {
    const history = await withFixtureWorker(require.resolve('../fixtures/smoke-workflow'), createSmokeActivities(), async ({ client, taskQueue }) => {
      const handle = await client.workflow.start('smokeWorkflow', { taskQueue, workflowId: `smoke-${taskQueue}`, args: [{ message: 'hello' }] });
      await expect(handle.result()).resolves.toEqual({ echoed: 'echo: hello' });
      return handle.fetchHistory();
    });
    const scheduled = (history.events ?? []).flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).toEqual(['echo']);

    // `RECORD_HISTORIES=1 npx jest test/workflow/smoke-workflow.test.ts` refreshes the replay fixture of test/replay/replay.test.ts.
    if (process.env.RECORD_HISTORIES) writeFileSync(join(__dirname, '..', 'fixtures', 'histories', 'smoke.json'), historyToJSON(history));
  });
});
