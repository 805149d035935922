import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A worker process of the campaign that faults can kill, stop and restart. */
export class WorkerProcess {
  private child?: ChildProcess;
  private stopped = false;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.starts += 1;
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(__dirname, 'chaos-worker.ts')], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) if (!/WARN|INFO/.test(line)) this.log(`[${this.name}] ${line.slice(0, 300)}`);
    });
    // A supervisor's job: a worker that exits by itself (it could not reach the server as it started) is started again.
    child.once('exit', (_code, signal) => {
      if (signal !== 'SIGKILL' && this.child === child && !this.closed) setTimeout(() => this.child === child && !this.closed && this.start(), 1_000);
    });
    this.child = child;
    this.stopped = false;
  }

  private closed = false;

  /** Stops it for good (no restart). */
  async close(): Promise<void> {
    this.closed = true;
    await this.kill();
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, and resolve once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    if (this.stopped) child.kill('SIGCONT');
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  /** SIGSTOP for `ms`, then SIGCONT: a worker that hangs, then wakes up. */
  async pause(ms: number): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    this.stopped = true;
    child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.alive) child.kill('SIGCONT');
    this.stopped = false;
  }

  async ensureRunning(): Promise<void> {
    if (!this.alive) this.start();
    else if (this.stopped) this.child?.kill('SIGCONT');
  }
}
