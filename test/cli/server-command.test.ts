import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, startCli, waitForOutput } from '../helpers/cli';

/** `durable-agent server` in the foreground, stopped by a signal, leaves no Temporal process behind. */
describe('durable-agent server', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-server-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it.each(['SIGTERM', 'SIGINT'] as const)('prints its addresses and stops cleanly on %s with no orphan', async (signal) => {
    const child = startCli(['server', '--port', '0', '--ui-port', '0', '--db-file', join(folder, 'dev.sqlite')]);
    let serverPid = -1;
    try {
      const [, pid] = await waitForOutput(child, /running \(pid (\d+),/);
      serverPid = Number(pid);
      const { stdout } = child.output();
      expect(stdout).toMatch(/gRPC address: 127\.0\.0\.1:\d+/);
      expect(stdout).toMatch(/Web UI:\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(isAlive(serverPid)).toBe(true);

      child.kill(signal);
      const result = await child.done;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Temporal dev server stopped.');
      expect(isAlive(serverPid)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      if (serverPid > 0 && isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    }
  }, 120_000);
});
