import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { installQuietRuntime, testWorkflowBundlePath } from './helpers/temporal';

installQuietRuntime();

const historiesFolder = join(__dirname, 'histories');
const recorded = readdirSync(historiesFolder)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ workflowId: name.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(historiesFolder, name), 'utf8'))) }));

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

  it('detects a non-deterministic change (the check can fail)', async () => {
    const smoke = recorded.find((entry) => entry.workflowId === 'smoke');
    expect(smoke).toBeDefined();
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('./fixtures/changed-smoke-workflow') }, smoke?.history),
    ).rejects.toThrow(/nondetermin/i);
  });
});
