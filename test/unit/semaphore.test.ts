import { Semaphore } from '../../src/workflows/agent/semaphore';
import type { SemaphoreReport } from '../fixtures/semaphore-workflow';
import { withFixtureWorker } from '../fixtures/with-fixture-worker';

/**
 * The workflow semaphore that caps a run's parallel calls (`maxParallel`). It waits with `condition` from
 * @temporalio/workflow, which needs a workflow context, so its behaviour is driven by a fixture workflow on the
 * test server; only the constructor's validation runs in plain Jest.
 */
describe('Semaphore', () => {
  it('refuses a permit count that is not an integer >= 1', () => {
    expect(() => new Semaphore(0)).toThrow(/Expected permits to be an integer >= 1, got 0/);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
  });

  describe('inside a workflow', () => {
    let report: SemaphoreReport;
    beforeAll(async () => {
      report = await withFixtureWorker(require.resolve('../fixtures/semaphore-workflow'), {}, async ({ client, taskQueue }) =>
        client.workflow.execute<() => Promise<SemaphoreReport>>('semaphoreWorkflow', {
          taskQueue,
          workflowId: `semaphore-${taskQueue}`,
          workflowExecutionTimeout: '60 seconds',
        }),
      );
    }, 90_000);

    it('serves waiters first come, first served', () => {
      expect(report.fifoOrder).toEqual([1, 2, 3, 4, 5]);
    });

    it('drops a cancelled waiter from the queue without blocking the ones behind it', () => {
      expect(report.cancelledWaiter).toBe('cancelled');
      expect(report.orderAroundCancelledWaiter).toEqual([1, 3]);
    });

    it('never lets more bodies run than it has permits, and uses them all', () => {
      expect(report.maxActive).toBe(3);
    });

    it('gives the permit back when the body throws, and passes the error on', () => {
      expect(report.thrownMessage).toBe('the body failed');
      expect(report.afterThrow).toBe('ran');
    });

    it('starts a body with a free permit before withPermit returns (no condition round)', () => {
      expect(report.startsAtOnce).toBe(true);
    });
  });
});
