import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortInUse } from '../../src/cluster/cluster-processes';
import type { ClusterState } from '../../src/cluster/cluster-state';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import { isAlive, runCli, startCli, waitForOutput } from '../helpers/cli';
import { freeBasePort } from '../helpers/cluster';

/**
 * The cluster tier (`npm run test:cluster`, not part of `npm test`): `durable-agent cluster up` stands up two
 * server nodes on PostgreSQL, this project's worker runs agent runs on them, one node is SIGKILLed while the
 * runs wait on their timers, and the runs still end `final`; `cluster down` leaves no process and no folder.
 * The first run on a machine builds the server binaries (minutes); later runs take about a minute.
 */

const MINUTE = 60_000;
const folder = join(tmpdir(), `durable-agent-cluster-test-${process.pid}`);
const RUNS = 6;
/** Five steps that each wait 3 s on a durable timer (held by a history shard), then a final answer. */
const script = compileScript({
  turns: [{ toolCalls: [{ name: 'wait', arguments: { seconds: 3 } }], repeat: 5 }, { content: 'Cluster answer for {{goal}}' }],
});

let state: ClusterState | undefined;
let model: ScriptedModelServer | undefined;
let worker: ReturnType<typeof startCli> | undefined;

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, TEMPORAL_ADDRESS: state?.frontends[0], OPENAI_BASE_URL: model?.baseURL, OPENAI_API_KEY: 'test-key', ...extra };
}

/** Processes whose command line mentions the cluster folder (PostgreSQL's data, a node's or the UI's root). */
function processesUsingFolder(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder) && isAlive(pid);
    } catch {
      return false;
    }
  });
}

afterAll(async () => {
  worker?.kill('SIGTERM');
  await worker?.done;
  await model?.close();
  // A safety net when a test failed before its own `down`: nothing may outlive the tier.
  if (existsSync(folder)) await runCli(['cluster', 'down', '--folder', folder], process.env, 2 * MINUTE);
}, 3 * MINUTE);

test('cluster up starts PostgreSQL, two nodes and the UI, all on loopback', async () => {
  const basePort = await freeBasePort();
  const up = await runCli(['cluster', 'up', '--nodes', '2', '--base-port', String(basePort), '--folder', folder, '--json'], process.env, 15 * MINUTE);
  expect(up.stderr).not.toMatch(/durable-agent: /);
  expect(up.code).toBe(0);
  state = JSON.parse(up.stdout) as ClusterState;
  expect(state.ready).toBe(true);
  expect(state.frontends).toEqual([`127.0.0.1:${basePort + 10}`, `127.0.0.1:${basePort + 20}`]);
  expect(state.processes.map((tracked) => tracked.name).sort()).toEqual(['node-1', 'node-2', 'postgres', ...('url' in state.ui ? ['ui'] : [])].sort());
  for (const tracked of state.processes) expect(isAlive(tracked.pid)).toBe(true);

  const status = await runCli(['cluster', 'status', '--folder', folder, '--json'], process.env, MINUTE);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ healthy: true, frontends: [{ ok: true }, { ok: true }] });

  const again = await runCli(['cluster', 'up', '--folder', folder, '--base-port', String(basePort)], process.env, MINUTE);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/already up/);
}, 16 * MINUTE);

test('runs end final through node 1 while node 2 is SIGKILLed mid-way, and are listed by status (SQL visibility)', async () => {
  if (!state) throw new Error('the cluster did not come up');
  model = await startScriptedModel(script);
  worker = startCli(['worker'], env());
  await waitForOutput(worker, /Worker polling task queue/, 2 * MINUTE, 'stderr');

  const ids: string[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    const started = await runCli(['run', `cluster goal ${index}`, '--detach', '--json', '--max-steps', '10'], env(), MINUTE);
    expect(started.code).toBe(0);
    ids.push((JSON.parse(started.stdout.split('\n')[0]!) as { workflowId: string }).workflowId);
  }
  // Every run is past its first step and waiting on a timer before node 2 dies.
  const deadline = Date.now() + 2 * MINUTE;
  let running: Array<{ workflowId: string; step: number; agentStatus: string }> = [];
  while (Date.now() < deadline) {
    const listed = await runCli(['list', '--json', '--limit', '50'], env(), MINUTE);
    running = (JSON.parse(listed.stdout) as typeof running).filter((run) => ids.includes(run.workflowId) && run.agentStatus === 'running' && run.step >= 1);
    if (running.length === RUNS) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(running).toHaveLength(RUNS);

  const node2 = state.processes.find((tracked) => tracked.name === 'node-2')!;
  process.kill(node2.pid, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(isAlive(node2.pid)).toBe(false);

  for (const id of ids) {
    const result = await runCli(['result', id, '--json'], env(), 4 * MINUTE);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ workflowId: id, status: 'final', steps: 6 });
  }
  const listed = await runCli(['list', '--status', 'final', '--json', '--limit', '50'], env(), MINUTE);
  expect(listed.code).toBe(0);
  const finals = (JSON.parse(listed.stdout) as Array<{ workflowId: string; agentStatus: string }>).filter((run) => ids.includes(run.workflowId));
  expect(finals.map((run) => run.workflowId).sort()).toEqual([...ids].sort());

  const status = await runCli(['cluster', 'status', '--folder', folder, '--json'], process.env, MINUTE);
  expect(status.code).toBe(4);
  const report = JSON.parse(status.stdout) as { healthy: boolean; processes: Array<{ name: string; alive: boolean }>; frontends: Array<{ ok: boolean }> };
  expect(report.healthy).toBe(false);
  expect(report.processes.find((item) => item.name === 'node-2')?.alive).toBe(false);
  expect(report.processes.find((item) => item.name === 'node-1')?.alive).toBe(true);
  expect(report.frontends.map((item) => item.ok)).toEqual([true, false]);
}, 15 * MINUTE);

test('cluster down stops every tracked process and removes the folder', async () => {
  if (!state) throw new Error('the cluster did not come up');
  worker?.kill('SIGTERM');
  await worker?.done;
  worker = undefined;
  const down = await runCli(['cluster', 'down', '--folder', folder, '--json'], process.env, 2 * MINUTE);
  expect(down.code).toBe(0);
  const result = JSON.parse(down.stdout) as { removed: boolean; stopped: Array<{ name: string; outcome: string }> };
  expect(result.removed).toBe(true);
  expect(result.stopped.find((item) => item.name === 'node-2')?.outcome).toBe('not-running');
  expect(result.stopped.find((item) => item.name === 'postgres')?.outcome).toBe('stopped');
  for (const tracked of state.processes) expect(isAlive(tracked.pid)).toBe(false);
  expect(processesUsingFolder()).toEqual([]);
  expect(existsSync(folder)).toBe(false);
  for (const port of [state.ports.postgres, ...state.frontends.map((address) => Number(address.split(':')[1]))]) {
    expect(await isPortInUse(port)).toBe(false);
  }
}, 3 * MINUTE);
