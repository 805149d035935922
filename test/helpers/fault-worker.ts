import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Starts the fault worker (test/fixtures/fault-worker.ts) in its own process, so a test can kill it with SIGKILL. */
export function startWorkerProcess(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(__dirname, '..', 'fixtures', 'fault-worker.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[fault worker ${child.pid}] ${chunk.toString()}`));
  return child;
}

/** Resolves once the process has exited (at once if it already has). */
export async function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}
