import { proxyActivities } from '@temporalio/workflow';

const { trivial } = proxyActivities<{ trivial(ms: number): Promise<number> }>({ startToCloseTimeout: '1 minute' });

/**
 * The throughput reference: a plain Temporal workflow that schedules the same activities as an agent run of
 * `steps` steps × `calls` calls (one "plan" activity per step, the calls in parallel, one last "plan"), with
 * none of the agent's logic.
 */
export async function bareWorkflow(input: { steps: number; calls: number; callMs: number }): Promise<number> {
  let activities = 1;
  await trivial(0); // the catalogue
  for (let step = 0; step < input.steps; step += 1) {
    await trivial(0); // the plan
    await Promise.all(Array.from({ length: input.calls }, () => trivial(input.callMs)));
    activities += 1 + input.calls;
  }
  await trivial(0); // the final answer
  return activities + 1;
}
