import { proxyActivities } from '@temporalio/workflow';
import type { SmokeActivities } from '../activities/smoke-activities';

const { echo } = proxyActivities<SmokeActivities>({ startToCloseTimeout: '10 seconds' });

export interface SmokeInput {
  message: string;
}

export interface SmokeResult {
  echoed: string;
}

/** The smallest useful workflow: one activity round trip. Used by the smoke and replay tests. */
export async function smokeWorkflow(input: SmokeInput): Promise<SmokeResult> {
  return { echoed: await echo(input.message) };
}
