import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { installQuietRuntime, testWorkflowBundlePath } from '../helpers/temporal';

installQuietRuntime();

function readHistory(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
}

/** Histories of the production workflows (`agentWorkflow`), replayed against the bundle a worker runs. */
const historiesFolder = join(__dirname, '..', 'histories');
const recorded = readdirSync(historiesFolder)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ workflowId: name.replace(/\.json$/, ''), history: readHistory(join(historiesFolder, name)) }));

/** The smoke fixture's history: its workflow is a test fixture, so it is replayed against the fixture. */
const smokeHistory = readHistory(join(__dirname, '..', 'fixtures', 'histories', 'smoke.json'));

/** Replays every committed history against the current workflow code: a determinism break fails CI. */
describe('replay of recorded histories', () => {
  it('has histories to replay', () => {
    expect(recorded.length).toBeGreaterThan(0);
  });

  it('replays every recorded history without a determinism violation', async () => {
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: testWorkflowBundlePath() } }, recorded)) {
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
  });

  it('replays the smoke history against the workflow that recorded it', async () => {
    await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../fixtures/smoke-workflow') }, smokeHistory)).resolves.toBeUndefined();
  });

  it('detects a non-deterministic change (the check can fail)', async () => {
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../fixtures/changed-smoke-workflow') }, smokeHistory),
    ).rejects.toThrow(/nondetermin/i);
  });
});
