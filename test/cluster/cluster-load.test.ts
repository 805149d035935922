import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ClusterState } from '../../src/cluster/cluster-state';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { startDevServer, type DevServer } from '../../src/temporal-server/dev-server';
import { saveFigure } from '../helpers/figures';
import { isAlive, runCli, startCli, waitForOutput } from '../helpers/cli';
import { payloadValues } from '../helpers/payloads';
import { freeBasePort } from '../helpers/cluster';

/**
 * Issue 17 item 5 (`npm run test:cluster`): a 2-node cluster on PostgreSQL, 3 worker processes (1 agent worker, 2 tool
 * workers on one tool queue), 30 concurrent runs whose tool calls hit an HTTP server that counts them; one tool worker
 * and one server node SIGKILLed mid-run. Every run ends `final` and no call that had completed runs again. The same
 * 30 runs without faults measure throughput on the cluster and on a dev server.
 */

const MINUTE = 60_000;
const RUNS = 30;
const STEPS = 3;
const CALL_MS = 300;
const AGENTS = 'cluster-agents';
const TOOLS = 'cluster-tools';
const folder = mkdtempSync(join(tmpdir(), 'durable-agent-cluster-load-'));
// PostgreSQL runs as its own OS user, which must be able to reach its data folder inside this one.
chmodSync(folder, 0o755);
/** Each run's calls: two per step, to URLs unique to the run, step and call (the scripted model fills {{goal}} and {{turn}}). */
function scriptFor(port: number) {
  return compileScript({
    turns: [
      { toolCalls: ['a', 'b'].map((call) => ({ name: 'http_get', arguments: { url: `http://127.0.0.1:${port}/item/{{goal}}/{{turn}}/${call}` } })), repeat: STEPS },
      { content: 'done: {{goal}}' },
    ],
  });
}

/** Counts requests per path and answers each after CALL_MS (so calls are in flight when workers and nodes die). */
async function startCountingServer(): Promise<{ port: number; counts: Map<string, number>; close(): Promise<void> }> {
  const counts = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ path }));
    }, CALL_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, counts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let state: ClusterState | undefined;
let model: ScriptedModelServer | undefined;
let devServer: DevServer | undefined;
const workers: Array<ReturnType<typeof startCli>> = [];

/** The three worker processes against `address`: an agent worker without tools, two tool workers on one queue. */
async function startWorkers(address: string, httpPort: number): Promise<Array<ReturnType<typeof startCli>>> {
  const env = { ...process.env, TEMPORAL_ADDRESS: address, OPENAI_BASE_URL: model?.baseURL, OPENAI_API_KEY: 'test-key', AGENT_HTTP_ALLOW: `127.0.0.1:${httpPort}` };
  const started = [
    startCli(['worker', '--role', 'agent', '--tools', '', '--task-queue', AGENTS], env),
    startCli(['worker', '--tools', 'http_get', '--task-queue', TOOLS, '--max-activities', '20'], env),
    startCli(['worker', '--tools', 'http_get', '--task-queue', TOOLS, '--max-activities', '20'], env),
  ];
  workers.push(...started);
  for (const worker of started) await waitForOutput(worker, /polling task queue/, 2 * MINUTE, 'stderr');
  return started;
}

async function stopWorkers(started: Array<ReturnType<typeof startCli>>): Promise<void> {
  for (const worker of started) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGTERM');
  await Promise.all(started.map((worker) => worker.done));
}

/** Starts RUNS runs at once through `client`; resolves with their handles and the time they were started. */
async function startRuns(client: Client, label: string) {
  const startedAt = Date.now();
  const handles = await Promise.all(
    Array.from({ length: RUNS }, (_, index) =>
      client.workflow.start('agentWorkflow', {
        taskQueue: AGENTS,
        workflowId: `${label}-${index}`,
        args: [{ goal: `${label}-${index}`, toolQueues: [TOOLS], allowedTools: ['http_get'], maxSteps: STEPS + 2, maxParallel: 2 }],
      }),
    ),
  );
  return { handles, startedAt };
}

afterAll(async () => {
  await stopWorkers(workers);
  await model?.close();
  await devServer?.stop();
  if (state) await runCli(['cluster', 'down', '--folder', join(folder, 'cluster')], process.env, 2 * MINUTE);
  if (existsSync(folder)) rmSync(folder, { recursive: true, force: true });
}, 5 * MINUTE);

test('30 concurrent runs survive a tool worker and a server node SIGKILLed mid-run; completed calls never run again', async () => {
  const http = await startCountingServer();
  try {
    model = await startScriptedModel(scriptFor(http.port));
    const basePort = await freeBasePort();
    const up = await runCli(['cluster', 'up', '--nodes', '2', '--base-port', String(basePort), '--folder', join(folder, 'cluster'), '--no-ui', '--json'], process.env, 15 * MINUTE);
    expect(up.code).toBe(0);
    state = JSON.parse(up.stdout) as ClusterState;
    const frontend = state.frontends[0] ?? '';
    const connection = await Connection.connect({ address: frontend });
    const client = new Client({ connection, namespace: 'default' });
    try {
      let started = await startWorkers(frontend, http.port);

      // Throughput on the cluster, no faults.
      const clean = await startRuns(client, 'clean');
      const cleanResults = (await Promise.all(clean.handles.map((handle) => handle.result()))) as AgentRunResult[];
      const clusterMs = Date.now() - clean.startedAt;
      expect(cleanResults.every((result) => result.status === 'final')).toBe(true);

      // Faults: once a third of the calls were answered, a tool worker and node 2 die.
      const faulty = await startRuns(client, 'faulty');
      const deadline = Date.now() + 2 * MINUTE;
      const answered = () => [...http.counts.keys()].filter((path) => path.includes('/faulty-')).length;
      while (answered() < (RUNS * STEPS * 2) / 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const killedAt = Date.now();
      const toolWorker = started[1];
      toolWorker?.kill('SIGKILL');
      const node2 = state.processes.find((tracked) => tracked.name === 'node-2');
      if (!node2) throw new Error('no node-2 in the cluster state');
      process.kill(node2.pid, 'SIGKILL');
      const results = (await Promise.all(faulty.handles.map((handle) => handle.result()))) as AgentRunResult[];
      expect(results.map((result) => result.status)).toEqual(Array.from({ length: RUNS }, () => 'final'));
      expect(isAlive(node2.pid)).toBe(false);

      // Every call ran; a call whose activity had completed before the kill ran exactly once (counted at the server).
      const faultyPaths = [...http.counts.entries()].filter(([path]) => path.includes('/faulty-'));
      expect(faultyPaths).toHaveLength(RUNS * STEPS * 2);
      let completedBeforeKill = 0;
      for (const handle of faulty.handles) {
        const events = (await handle.fetchHistory()).events ?? [];
        const urls = new Map<string, string>();
        for (const event of events) {
          const scheduled = event.activityTaskScheduledEventAttributes;
          if (scheduled?.activityType?.name === 'http_get') urls.set(String(event.eventId), String(payloadValues<{ input: { url: string } }>(scheduled.input)[0]?.input.url));
          const completed = event.activityTaskCompletedEventAttributes;
          const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
          if (completed && at < killedAt) {
            const url = urls.get(String(completed.scheduledEventId));
            if (!url) continue;
            completedBeforeKill += 1;
            expect([url, http.counts.get(new URL(url).pathname)]).toEqual([url, 1]);
          }
        }
      }
      expect(completedBeforeKill).toBeGreaterThan(0);
      const repeated = faultyPaths.filter(([, count]) => count > 1).length;
      await stopWorkers(started);

      // The same clean workload on a dev server (SQLite, one process), for the throughput beside it.
      devServer = await startDevServer({ port: 0, uiPort: 0, dbFile: join(folder, 'dev.sqlite'), onProgress: () => undefined });
      const devConnection = await Connection.connect({ address: devServer.address });
      try {
        started = await startWorkers(devServer.address, http.port);
        const dev = await startRuns(new Client({ connection: devConnection, namespace: 'default' }), 'dev');
        const devResults = (await Promise.all(dev.handles.map((handle) => handle.result()))) as AgentRunResult[];
        const devMs = Date.now() - dev.startedAt;
        expect(devResults.every((result) => result.status === 'final')).toBe(true);
        await stopWorkers(started);
        const figure = {
          runs: RUNS,
          stepsPerRun: STEPS,
          callsPerStep: 2,
          callMs: CALL_MS,
          clusterNodes: 2,
          clusterRunsPerSecond: (RUNS * 1000) / clusterMs,
          devServerRunsPerSecond: (RUNS * 1000) / devMs,
          faultyCallsCompletedBeforeKill: completedBeforeKill,
          faultyCallsRepeated: repeated,
        };
        saveFigure('cluster-load', figure);
        process.stdout.write(`cluster-load: ${JSON.stringify(figure)}\n`);
      } finally {
        await devConnection.close();
      }
    } finally {
      await connection.close();
    }
  } finally {
    await http.close();
  }
}, 20 * MINUTE);
