import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDevServer } from '../src/temporal-server/dev-server';

/**
 * How long `durable-agent worker` takes to start: from spawning `bin/durable-agent worker` (the built CLI in dist/) to
 * its one-line start message ("Worker polling task queue …"), against a dev server this script starts on free ports.
 *
 *   node -r tsx/cjs bench/worker-start.ts [runs=5] [--verbose] [--without-prebuilt]
 *
 * Prints each time and the median, in seconds. `--verbose` passes `--verbose` to the worker and prints its
 * "workflow bundle: …" line, which says whether it used the prebuilt bundle. `--without-prebuilt` starts a copy of the
 * package (dist/, bin/, package.json; node_modules linked) without dist/workflow-bundle.*: the worker bundles at
 * start, as every worker did before the bundle was prebuilt.
 *
 *   node -r tsx/cjs bench/worker-start.ts --run [runs=5] [--without-prebuilt] [--embedded]
 *
 * times `durable-agent run --script FILE go` instead (a one-tool script): from process start to its first line, to
 * "Run … started", to its first step line and to its exit. `--embedded` leaves TEMPORAL_ADDRESS unset so that each
 * run starts the embedded dev server itself (on a free port, in a temporary folder).
 */

const ROOT = join(__dirname, '..');
const TIMEOUT_MS = 120_000;

/** A copy of the built package without the prebuilt bundle, in `folder`; returns its CLI. */
function copyWithoutPrebuilt(folder: string): string {
  const copy = join(folder, 'package');
  mkdirSync(copy);
  cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true, filter: (source) => !/workflow-bundle\.(js|json)$/.test(source) });
  cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  return join(copy, 'bin', 'durable-agent');
}
interface Start {
  seconds: number;
  bundleLine?: string;
}

/** Starts one worker, measures the time to its start line, stops it with SIGTERM and waits for it to end. */
function startOnce(cli: string, env: NodeJS.ProcessEnv, verbose: boolean): Promise<Start> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [cli, 'worker', ...(verbose ? ['--verbose'] : [])], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let seconds: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (seconds === undefined && /polling task queue/.test(stderr)) {
        seconds = Number(process.hrtime.bigint() - started) / 1e9;
        child.kill('SIGTERM');
      }
    });
    child.once('close', () => {
      clearTimeout(timer);
      if (seconds === undefined) return reject(new Error(`the worker did not start:\n${stderr}`));
      const bundleLine = /^.*workflow bundle:.*$/m.exec(stderr)?.[0];
      resolve({ seconds, ...(bundleLine ? { bundleLine } : {}) });
    });
  });
}

interface RunTimes {
  firstLine: number;
  started: number;
  firstStep: number;
  exit: number;
}

/** Runs `durable-agent run` once and times its lines (stdout; the run is not --json). */
function runOnce(cli: string, env: NodeJS.ProcessEnv, script: string, cwd: string): Promise<RunTimes> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - started) / 1e9;
    const child = spawn(process.execPath, [cli, 'run', '--script', script, '--max-steps', '3', 'look', 'around'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const times: Partial<RunTimes> = {};
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.trim()) times.firstLine ??= since();
      if (/^Run \S+ started/m.test(stdout)) times.started ??= since();
      if (/^step 1\//m.test(stdout)) times.firstStep ??= since();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('close', (code) => {
      clearTimeout(timer);
      const { firstLine, started: runStarted, firstStep } = times;
      if (code !== 0 || firstLine === undefined || runStarted === undefined || firstStep === undefined) return reject(new Error(`the run failed (exit ${code}):\n${stdout}\n${stderr}`));
      resolve({ firstLine, started: runStarted, firstStep, exit: since() });
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const runs = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 5);
  const verbose = process.argv.includes('--verbose');
  const folder = mkdtempSync(join(tmpdir(), 'durable-agent-worker-start-'));
  const withoutPrebuilt = process.argv.includes('--without-prebuilt');
  const cli = withoutPrebuilt ? copyWithoutPrebuilt(folder) : join(ROOT, 'bin', 'durable-agent');
  const server = await startDevServer({ port: 0, uiPort: 0, dbFile: join(folder, 'temporal.sqlite'), onProgress: () => undefined });
  try {
    const { OPENAI_API_KEY: _key, DURABLE_AGENT_MCP_CONFIG: _mcp, ...rest } = process.env;
    const env = { ...rest, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'worker-start-bench', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', NO_COLOR: '1' };
    const what = withoutPrebuilt ? 'dist/ without the prebuilt bundle' : 'dist/ as built';
    if (process.argv.includes('--run')) {
      const script = join(folder, 'script.json');
      writeFileSync(script, JSON.stringify({ turns: [{ toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] }, { content: 'Saw: {{observations}}' }] }));
      const { OPENAI_BASE_URL: _url, TEMPORAL_ADDRESS: _address, ...runEnv } = env;
      const all: RunTimes[] = [];
      for (let run = 1; run <= runs; run += 1) {
        const embedded = process.argv.includes('--embedded');
        const cwd = join(folder, `run-${run}`);
        mkdirSync(cwd);
        const port = embedded ? await freePort() : undefined;
        const times = await runOnce(cli, embedded ? { ...runEnv, DURABLE_AGENT_LOCAL_PORT: String(port) } : { ...runEnv, TEMPORAL_ADDRESS: server.address }, script, cwd);
        all.push(times);
        process.stdout.write(`run ${run}: first line ${times.firstLine.toFixed(2)} s, run started ${times.started.toFixed(2)} s, first step ${times.firstStep.toFixed(2)} s, exit ${times.exit.toFixed(2)} s\n`);
      }
      const middle = (key: keyof RunTimes) => median(all.map((times) => times[key])).toFixed(2);
      process.stdout.write(`median of ${runs}: first line ${middle('firstLine')} s, run started ${middle('started')} s, first step ${middle('firstStep')} s, exit ${middle('exit')} s (${what})\n`);
      return;
    }
    const times: number[] = [];
    for (let run = 1; run <= runs; run += 1) {
      const { seconds, bundleLine } = await startOnce(cli, env, verbose);
      times.push(seconds);
      process.stdout.write(`start ${run}: ${seconds.toFixed(2)} s${bundleLine ? ` (${bundleLine.trim()})` : ''}\n`);
    }
    process.stdout.write(`median of ${runs}: ${median(times).toFixed(2)} s (process start to "Worker polling task queue"; ${what})\n`);
  } finally {
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
