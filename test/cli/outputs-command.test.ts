import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsOutputDriver } from '../../src/outputs/fs-output-driver';
import { OutputStore } from '../../src/outputs/output-store';
import { withAgent } from '../helpers/agent';
import { runCli } from '../helpers/cli';

/** Every file under a folder. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('durable-agent outputs prune', () => {
  jest.setTimeout(90_000);

  it('asks the server which runs ended, deletes their blobs past the window, and says what it deleted', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'prune-cli-'));
    const env = { ...process.env, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, DURABLE_AGENT_OUTPUT_DIR: folder };
    const store = new OutputStore(new FsOutputDriver(folder));
    try {
      // A run the server knows, ended just now.
      const ended = await withAgent({ turns: [{ content: 'Done.' }] }, [], async ({ run }) => (await run({ goal: 'end at once' })).handle.workflowId);
      for (const workflowId of [ended, 'ghost-old', 'ghost-fresh']) await store.save({ namespace: 'default', workflowId, taskId: 's1-1', attempt: 1 }, 'x'.repeat(200_000));
      const old = filesUnder(folder).find((file) => file.includes('ghost-old')) as string;
      const longAgo = new Date(Date.now() - 40 * 86_400_000);
      utimesSync(old, longAgo, longAgo);

      // 30 days: only the run the server does not know and whose blob is 40 days old; a dry run deletes nothing.
      const dry = await runCli(['outputs', 'prune', '--older-than', '30d', '--dry-run'], env);
      expect(dry).toMatchObject({ code: 0, stderr: '' });
      expect(dry.stdout).toMatch(/^would delete 1 blob \(0\.2 MB\) of ghost-old \(not found on the server; last written \d{4}-/m);
      expect(dry.stdout).toMatch(/Would delete 1 blobs \(0\.2 MB\) of 1 run in folder .*; kept the blobs of 0 open runs and 2 that ended within 30d\./);
      expect(filesUnder(folder)).toHaveLength(3);

      // 1 second: the ended run goes too, on the server's word (known); the fresh ghost was written more than 1 s ago.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const pruned = await runCli(['outputs', 'prune', '--older-than', '1s', '--json'], env);
      expect(pruned.code).toBe(0);
      const report = JSON.parse(pruned.stdout) as { deleted: Array<{ workflowId: string; known: boolean; blobs: number }>; dryRun: boolean };
      expect(report.dryRun).toBe(false);
      expect(report.deleted.map((run) => [run.workflowId, run.known, run.blobs]).sort()).toEqual([
        [ended, true, 1],
        ['ghost-fresh', false, 1],
        ['ghost-old', false, 1],
      ].sort());
      expect(filesUnder(folder)).toEqual([]);

      const bare = await runCli(['outputs', 'prune', '--older-than', '30'], env);
      expect(bare.code).toBe(2);
      expect(bare.stderr).toContain('Expected an age with its unit, such as 30d or 12h, got `30`.');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
