import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { withTestWorker } from './helpers/temporal';

describe('smokeWorkflow on the real dev server', () => {
  it('round-trips an activity and records the expected history', async () => {
    await withTestWorker('smoke', async ({ client, taskQueue }) => {
      const handle = await client.workflow.start('smokeWorkflow', {
        taskQueue,
        workflowId: `smoke-${taskQueue}`,
        args: [{ message: 'hello' }],
      });
      await expect(handle.result()).resolves.toEqual({ echoed: 'echo: hello' });

      const history = await handle.fetchHistory();
      const scheduled = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes);
      expect(scheduled.map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name)).toEqual(['echo']);

      // `RECORD_HISTORIES=1 npx jest test/smoke-workflow.test.ts` refreshes the committed replay fixture.
      if (process.env.RECORD_HISTORIES) {
        writeFileSync(join(__dirname, 'histories', 'smoke.json'), historyToJSON(history));
      }
    });
  });
});
