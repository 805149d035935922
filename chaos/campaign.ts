/**
 * The chaos campaign (docs/reliability.md, "Chaos"): many concurrent agent runs of every kind of work, with faults
 * injected at random points, then the invariants checked. `npm run chaos -- [--profile short|full] [--seed N]`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { WorkflowFailedError, WorkflowUpdateStage, type Client } from '@temporalio/client';
import { sendUpdate } from '../src/contracts/definitions';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { AgentRunHandle } from '../src/client';
import { connectClient } from '../src/config/connect';
import { loadTemporalConfig } from '../src/config/temporal-config';
import type { AgentRunResult } from '../src/contracts/run-result';
import type { RunEvent } from '../src/contracts/interaction-schemas';
import { compileScript } from '../src/scripted-model/script';
import { startScriptedModel } from '../src/scripted-model/server';
import { attemptsRanOut, completionsByKey, decisionProblems, executionsOf, ranAfterCompletion, replayFailures, secretLeaks, sessionProblems } from './invariants';
import { WorkerProcess } from './processes';
import { Random } from './random';
import { CHAOS_AGENTS, HELPER_SCRIPT, SCENARIOS, SESSION_MESSAGES, sessionMessage, type Scenario } from './scenarios';
import { ToolServer } from './tool-server';
import { clusterTopology, devTopology, type ServerFault } from './topology';
import { resolveToxiproxy, Toxiproxy, type Toxic } from './toxiproxy';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'durable-agent');
const BUNDLE = join(ROOT, 'dist', 'workflow-bundle.js');
/** A fake API key: the campaign fails if it appears in any history. */
const SECRET = 'sk-chaos-secret-do-not-record-0123456789';

const PROFILES = {
  // Runs start spread over `spreadMs`, so faults keep hitting runs at every point of their lives.
  short: { runs: 50, spreadMs: 75_000, deadlineMs: 140_000, faultGapMs: [600, 1_600] as const },
  // The faults of the full profile, over a quarter of its time: the cluster campaign's profile (about 7 minutes).
  medium: { runs: 200, spreadMs: 240_000, deadlineMs: 600_000, faultGapMs: [300, 900] as const },
  // 2 cores carry about 480 runs over 10 minutes with faults every 0.3–0.9 s; more and workflow tasks time out for load.
  full: { runs: 480, spreadMs: 600_000, deadlineMs: 1_200_000, faultGapMs: [300, 900] as const },
};

type ProcessFault = 'agent_worker_kill' | 'agent_worker_stop' | 'tool_worker_kill' | 'tool_worker_stop' | 'client_dies_mid_decision' | 'follower_churn';
type NetworkFault = 'net_latency' | 'net_reset' | 'net_blackhole' | 'net_bandwidth';
type FaultKind = ProcessFault | NetworkFault | ServerFault;
const PROCESS_FAULTS: ProcessFault[] = ['agent_worker_kill', 'agent_worker_stop', 'tool_worker_kill', 'tool_worker_stop', 'client_dies_mid_decision', 'follower_churn'];
const isServerFault = (kind: FaultKind): kind is ServerFault => kind === 'server_kill' || kind === 'cluster_node_kill' || kind === 'postgres_restart';
const NETWORK_FAULTS: NetworkFault[] = ['net_latency', 'net_reset', 'net_blackhole', 'net_bandwidth'];

/** The toxic of each network fault (random strength). */
function toxicOf(kind: NetworkFault, random: Random): Toxic {
  switch (kind) {
    case 'net_latency':
      return { type: 'latency', attributes: { latency: random.int(100, 1_500), jitter: 100 } };
    case 'net_reset':
      return { type: 'reset_peer', attributes: { timeout: random.int(0, 500) } };
    case 'net_blackhole':
      return { type: 'timeout', attributes: { timeout: 0 } };
    case 'net_bandwidth':
      return { type: 'bandwidth', attributes: { rate: random.int(4, 64) } };
  }
}

/** `http://host:port/path` with its host and port replaced by a proxy's listen address. */
const through = (url: string, listen: string) => url.replace(/^http:\/\/[^/]+/, `http://${listen}`);
const hostOf = (url: string) => url.replace(/^http:\/\/([^/]+).*$/, '$1');

interface Fault {
  kind: FaultKind;
  at: number;
  until: number;
  target: string;
}

interface RunRecord {
  workflowId: string;
  scenario: Scenario;
  startedAt: number;
  endedAt?: number;
  result?: AgentRunResult;
  error?: string;
  /**
   * When the person first acted on the wait it is in (for people, or a session idle): the longest time from then until
   * the run took the decision in (its Update returned) or was seen going on is the wedge check. The clock starts when
   * the run is known to wait and a decision is on its way, not when a read first saw the wait.
   */
  actedAt?: number;
  /** Where the run stood when the person first acted on its wait. */
  actingAt?: { status?: string; step?: number };
  /** Where the run stood when its last decision (or message) was taken in. */
  decided?: { status?: string; step?: number };
  longestDecisionMs: number;
  /** A session: a message is on its way (its `send` resolves when the turn is answered). */
  sending?: boolean;
  /** A session: the messages it has taken in. */
  messagesSent: number;
}

/** The wedge check: a decision not taken in after this long without faults is a wedged run. */
const WEDGE_BOUND_MS = 60_000;

/** Faults under way at once, at most. */
const MAX_FAULTS_AT_ONCE = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const program = new Command()
    .addOption(new Option('--profile <name>', 'short (CI, under 3 minutes), medium (about 7 minutes) or full (about 12 minutes)').choices(['short', 'medium', 'full']).default('short'))
    .option('--seed <n>', 'the seed that makes a campaign reproducible (default: from the clock)', (value) => Number.parseInt(value, 10))
    .option('--runs <n>', 'agent runs (default: the profile’s)', (value) => Number.parseInt(value, 10))
    .addOption(new Option('--topology <name>', 'dev (the dev server) or cluster (2 nodes on PostgreSQL: durable-agent cluster)').choices(['dev', 'cluster']).default('dev'))
    .option('--kinds <list>', `only these kinds of run, comma-separated (default: all: ${SCENARIOS.map((scenario) => scenario.kind).join(', ')})`)
    .parse(process.argv);
  const options = program.opts<{ profile: keyof typeof PROFILES; seed?: number; runs?: number; kinds?: string; topology: 'dev' | 'cluster' }>();
  const wanted = options.kinds?.split(',').map((kind) => kind.trim());
  const unknown = wanted?.filter((kind) => !SCENARIOS.some((scenario) => scenario.kind === kind)) ?? [];
  if (unknown.length) program.error(`unknown kind(s) of run: ${unknown.join(', ')}; choose from ${SCENARIOS.map((scenario) => scenario.kind).join(', ')}`);
  const scenarios = wanted ? SCENARIOS.filter((scenario) => wanted.includes(scenario.kind)) : SCENARIOS;
  const profile = PROFILES[options.profile];
  const seed = options.seed ?? Date.now() % 1_000_000;
  const runs = options.runs ?? profile.runs;
  const random = new Random(seed);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  // The replay check runs workers in this process: their errors only (the workflow's trace sink is not registered there).
  Runtime.install({ logger: new DefaultLogger('ERROR', (entry) => void (/unregistered external sink/.test(entry.message) ? undefined : log(`[replay] ${entry.message}`))) });
  const reproduce = `npm run chaos -- --profile ${options.profile} --topology ${options.topology} --seed ${seed} --runs ${runs}${options.kinds ? ` --kinds ${options.kinds}` : ''}`;
  log(`chaos: seed ${seed}, profile ${options.profile}, ${runs} runs (reproduce: ${reproduce})`);

  const folder = mkdtempSync(join(tmpdir(), 'durable-agent-chaos-'));
  const topology = options.topology === 'cluster' ? await clusterTopology(folder, log) : await devTopology(folder, log);
  const toolServer = new ToolServer();
  await toolServer.start();
  const scripts = new Map(SCENARIOS.map((scenario) => [scenario.model, compileScript(scenario.script)]));
  scripts.set(CHAOS_AGENTS[0]?.model ?? 'chaos-helper', compileScript(HELPER_SCRIPT));
  const model = await startScriptedModel(compileScript({ turns: [{ content: 'no scenario asked for this model' }] }), { scriptsByModel: scripts });
  // Network faults between the workers and the server, the model and the tool server go through toxiproxy.
  const toxiproxyBinary = await resolveToxiproxy(log).catch((error: unknown) => {
    log(`chaos: no network faults: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
  const toxiproxy = toxiproxyBinary ? await Toxiproxy.start(toxiproxyBinary) : undefined;
  // One proxy per frontend (`temporal`, `temporal-2`, …), one to the model, one to the tools' server.
  const frontendProxies: string[] = [];
  if (toxiproxy) for (const [index, address] of topology.frontends.entries()) frontendProxies.push(await toxiproxy.proxy(index === 0 ? 'temporal' : `temporal-${index + 1}`, address));
  const proxies = toxiproxy ? { model: await toxiproxy.proxy('model', hostOf(model.baseURL)), tools: await toxiproxy.proxy('tools', hostOf(toolServer.url)) } : undefined;
  const proxyNames = toxiproxy ? [...topology.frontends.map((_, index) => (index === 0 ? 'temporal' : `temporal-${index + 1}`)), 'model', 'tools'] : [];
  /** The address worker `index` reaches the server at: the frontends in turn, through their proxies. */
  const frontendFor = (index: number) => frontendProxies[index % Math.max(1, frontendProxies.length)] ?? (topology.frontends[index % topology.frontends.length]);
  const taskQueue = `chaos-${seed}`;
  const toolQueue = `chaos-${seed}-tools`;
  const workerEnv = (queue: string, role: string, frontend: number) => ({
    ...process.env,
    TEMPORAL_ADDRESS: frontendFor(frontend),
    TEMPORAL_NAMESPACE: 'default',
    CHAOS_TASK_QUEUE: queue,
    CHAOS_ROLE: role,
    CHAOS_MODEL_URL: proxies ? through(model.baseURL, proxies.model) : model.baseURL,
    CHAOS_TOOL_URL: proxies ? through(toolServer.url, proxies.tools) : toolServer.url,
    CHAOS_MCP_URL: proxies ? through(toolServer.mcpUrl, proxies.tools) : toolServer.mcpUrl,
    CHAOS_WORKFLOW_BUNDLE: BUNDLE,
    OPENAI_API_KEY: SECRET,
  });
  const agentWorkers = [new WorkerProcess('agent-worker-1', workerEnv(taskQueue, 'agent', 0), log), new WorkerProcess('agent-worker-2', workerEnv(taskQueue, 'agent', 1), log)];
  const toolWorker = new WorkerProcess('tool-worker', workerEnv(toolQueue, 'tools', 1), log);
  const workers = [...agentWorkers, toolWorker];
  for (const worker of workers) worker.start();

  const clientEnv = { ...process.env, TEMPORAL_ADDRESS: topology.frontends[0] as string, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue, NO_COLOR: '1' };
  const client: Client = await connectClient(loadTemporalConfig(clientEnv));
  const faults: Fault[] = [];
  const records: RunRecord[] = [];
  /** The scripted people, one per run that needs one (below). */
  const people: Array<Promise<void>> = [];
  const campaignStart = Date.now();
  const deadline = campaignStart + profile.deadlineMs;
  let done = false;

  // Start the runs, a few at a time, each retried while the server is down.
  const startRun = async (index: number) => {
    const scenario = scenarios[index % scenarios.length] as Scenario;
    const workflowId = `chaos-${seed}-${index}-${scenario.kind}`;
    const goal = `${scenario.kind} run ${index} of campaign ${seed}`;
    const record: RunRecord = { workflowId, scenario, startedAt: Date.now(), longestDecisionMs: 0, messagesSent: 0 };
    records.push(record);
    if (scenario.person.length > 0) people.push(personFor(record));
    for (;;) {
      try {
        await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal, model: scenario.model, ...scenario.input(goal, toolQueue), searchAttributes: true }] });
        return;
      } catch (error) {
        if (/already started/i.test(String(error))) return;
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  };

  // Wait for each run's end in the background (a read of the server, retried across its restarts).
  const watchEnd = async (record: RunRecord) => {
    const handle = client.workflow.getHandle(record.workflowId);
    while (Date.now() < deadline + 60_000) {
      try {
        record.result = (await handle.result()) as AgentRunResult;
        record.endedAt = Date.now();
        return;
      } catch (error) {
        // The run failed as a workflow: that is its end. Anything else is the server coming and going: read again.
        if (error instanceof WorkflowFailedError) {
          record.error = String(error.cause?.message ?? error.message).slice(0, 300);
          record.endedAt = Date.now();
          return;
        }
        await sleep(500);
      }
    }
  };

  // The scripted person: approves gated calls, answers questions, raises budgets, talks to sessions, as a person would.
  // It reads where its run stands from the server (`describe`: the AgentStatus and AgentStep search attributes, which
  // needs no worker), so hundreds of people polling every second put no load on the workers the runs need; it asks the
  // run what is open (a query) only when the run waits for people.
  /** A decision (or message) the run took in: how long it took since the person first acted on that wait. */
  const answered = (record: RunRecord, at: { status?: string; step?: number }) => {
    if (record.actedAt) record.longestDecisionMs = Math.max(record.longestDecisionMs, Date.now() - record.actedAt);
    record.actedAt = undefined;
    record.decided = at;
  };
  const talk = (record: RunRecord, handle: AgentRunHandle, at: { status?: string; step?: number }) => {
    if (record.sending) return;
    const index = record.messagesSent;
    if (index >= SESSION_MESSAGES) {
      void handle.close().then(() => answered(record, at), () => undefined);
      return;
    }
    record.sending = true;
    // The same id on every try: a retry after an error that hid whether the message arrived is the same message.
    const text = sessionMessage(record.workflowId, index);
    const messageId = `${record.workflowId}-m${index}`;
    // The decision a session waits for is its message: taken in once its Update is accepted (or refused as sent
    // before), not when the turn it starts has done its work. The same Update id as `send`'s, so it is one Update.
    void client.workflow
      .getHandle(record.workflowId)
      .startUpdate(sendUpdate, { args: [{ text }], updateId: `message-${messageId}`, waitForStage: WorkflowUpdateStage.ACCEPTED })
      .then(
        () => answered(record, at),
        (error: unknown) => (/already sent/.test(String(error)) ? answered(record, at) : undefined),
      );
    void handle
      .send(text, { messageId })
      .then(() => {
        record.messagesSent = Math.max(record.messagesSent, index + 1);
        answered(record, at);
      })
      .catch(() => undefined)
      .finally(() => (record.sending = false));
  };
  // Each run that needs a person gets one of its own, polling it every second (one person for all runs would answer
  // late when many runs wait at once, and the wedge check would measure the person, not the run).
  const personFor = async (record: RunRecord) => {
    const handle = new AgentRunHandle(client, record.workflowId, 'default');
    for (let round = 0; !done && !record.endedAt; round += 1) {
      try {
        const { agentStatus: status = 'running', step } = await handle.describe();
        const at = { status, step };
        const waiting = status.startsWith('waiting_for') || status === 'idle';
        // The run went on since the person's decision: it is no longer waiting, or it waits at another step.
        if (record.actedAt && (!waiting || step !== record.actingAt?.step)) answered(record, at);
        // A wait the person already answered, not yet published as over: look again for anything new now and then.
        const stale = waiting && record.decided?.status === status && record.decided.step === step;
        if (waiting && (!stale || round % 5 === 0)) {
          if (status === 'idle') {
            record.actedAt ??= Date.now();
            record.actingAt = at;
            talk(record, handle, at);
          } else if (status === 'waiting_for_budget') {
            if (!stale) {
              record.actedAt ??= Date.now();
              record.actingAt = at;
            }
            await handle.raiseBudget({ maxTokens: 10_000_000 });
            answered(record, at);
          } else {
            const pending = await handle.pending();
            if (pending.approvals.length + pending.questions.length > 0) {
              record.actedAt ??= Date.now();
              record.actingAt = at;
              for (const approval of pending.approvals) await handle.approve(approval.callId);
              for (const question of pending.questions) await handle.reply('eu-west-1', question.questionId);
              answered(record, at);
            }
          }
        }
      } catch {
        // The server or the worker is down, or a decision was refused: try again on the next round.
      }
      await sleep(1_000);
    }
  };

  // Start the runs now that their people are defined.
  const starting = (async () => {
    for (let index = 0; index < runs; index += 1) {
      await startRun(index);
      await sleep(random.int(0, Math.round((2 * profile.spreadMs) / runs)));
    }
  })();

  // Faults at random points until every run has ended (or the deadline).
  const cliProcess = (args: string[], killAfterMs: number, kind: FaultKind, target: string) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: clientEnv, stdio: 'ignore' });
    const at = Date.now();
    faults.push({ kind, at, until: at + killAfterMs, target });
    setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  };
  /** Workers and proxies a fault is under way on: one fault on each at a time. */
  const busy = new Set<string>();
  const inject = async (kind: FaultKind) => {
    const at = Date.now();
    const open = records.filter((record) => !record.endedAt);
    switch (kind) {
      case 'agent_worker_kill':
      case 'tool_worker_kill': {
        const worker = kind === 'tool_worker_kill' ? toolWorker : random.pick(agentWorkers);
        if (busy.has(worker.name)) return;
        busy.add(worker.name);
        await worker.kill();
        const downMs = random.int(200, 1_500);
        faults.push({ kind, at, until: at + downMs, target: worker.name });
        await sleep(downMs);
        worker.start();
        // It is busy until it polls again (a few seconds to start), so faults on one worker never pile up.
        await sleep(5_000);
        busy.delete(worker.name);
        return;
      }
      case 'agent_worker_stop':
      case 'tool_worker_stop': {
        const worker = kind === 'tool_worker_stop' ? toolWorker : random.pick(agentWorkers);
        if (busy.has(worker.name)) return;
        busy.add(worker.name);
        const stoppedMs = random.int(500, 3_000);
        faults.push({ kind, at, until: at + stoppedMs, target: worker.name });
        await worker.pause(stoppedMs);
        busy.delete(worker.name);
        return;
      }
      case 'server_kill':
      case 'cluster_node_kill':
      case 'postgres_restart': {
        const target = await topology.crash(kind, random.int(300, 1_500), random);
        faults.push({ kind, at, until: Date.now(), target });
        return;
      }
      case 'client_dies_mid_decision': {
        const waiting = open.filter((record) => record.scenario.person.includes('approve'));
        if (waiting.length === 0) return;
        const record = random.pick(waiting);
        cliProcess(['approve', record.workflowId, 's1-1'], random.int(50, 1_500), kind, record.workflowId);
        return;
      }
      case 'follower_churn': {
        if (open.length === 0) return;
        const record = random.pick(open);
        cliProcess(['follow', record.workflowId, '--json', '--no-text'], random.int(500, 4_000), kind, record.workflowId);
        return;
      }
      default: {
        if (!toxiproxy) return;
        const proxy = random.pick(proxyNames);
        if (busy.has(proxy)) return;
        busy.add(proxy);
        const ms = random.int(500, 4_000);
        await toxiproxy.inject(proxy, toxicOf(kind, random), ms).finally(() => busy.delete(proxy));
        faults.push({ kind, at, until: Date.now(), target: `worker ↔ ${proxy}` });
      }
    }
  };
  const faultKinds: FaultKind[] = [...PROCESS_FAULTS, ...topology.faults, ...(toxiproxy ? NETWORK_FAULTS : [])];
  // Every kind in turn, in an order the seed shuffles anew each round, so a campaign covers all of them.
  const queue: FaultKind[] = [];
  const nextKind = (): FaultKind => {
    if (queue.length === 0) queue.push(...faultKinds.map((kind) => ({ kind, order: random.next() })).sort((a, b) => a.order - b.order).map(({ kind }) => kind));
    return queue.shift() as FaultKind;
  };
  // Faults overlap (up to MAX_FAULTS_AT_ONCE at a time, one server kill at a time): a new one starts every gap.
  const inFlight = new Set<Promise<void>>();
  let serverDown = false;
  let serverFaultAfter = 0;
  const injecting = (async () => {
    while (!done && Date.now() < deadline) {
      await sleep(random.int(profile.faultGapMs[0], profile.faultGapMs[1]));
      if (done) break;
      if (inFlight.size >= MAX_FAULTS_AT_ONCE) await Promise.race(inFlight);
      const kind = nextKind();
      // One server fault at a time (a dev server kill, a cluster node kill, a PostgreSQL restart), then a cool-down.
      if (isServerFault(kind) && (serverDown || Date.now() < serverFaultAfter)) continue;
      if (isServerFault(kind)) serverDown = true;
      const fault: Promise<void> = inject(kind)
        .catch((error: unknown) => log(`fault failed: ${String(error)}`))
        .finally(() => {
          if (isServerFault(kind)) {
            serverDown = false;
            serverFaultAfter = Date.now() + topology.serverFaultCooldownMs;
          }
          inFlight.delete(fault);
        });
      inFlight.add(fault);
    }
    await Promise.all(inFlight);
  })();

  await starting;
  await Promise.all(records.map(watchEnd));
  done = true;
  await injecting;
  await Promise.all(people);
  for (const worker of workers) await worker.ensureRunning();
  const wallMs = Date.now() - campaignStart;

  // The invariants.
  log('chaos: all runs ended or timed out; checking the invariants');
  const ids = records.flatMap((record) => (record.scenario.kind === 'sub-agent' ? [record.workflowId, `${record.workflowId}.s1-1`] : [record.workflowId]));
  const executions = await executionsOf(client, ids);
  const completed = completionsByKey(executions);
  const executionsOfRun = new Map<string, typeof executions>();
  for (const execution of executions) executionsOfRun.set(execution.workflowId, [...(executionsOfRun.get(execution.workflowId) ?? []), execution]);
  const again = ranAfterCompletion(toolServer.records, completed);
  const decisions: string[] = [];
  for (const record of records) {
    const events: RunEvent[] = [];
    const handle = new AgentRunHandle(client, record.workflowId, 'default');
    for (let from = 0; ; ) {
      const page = await handle.eventPage({ from }).catch(() => undefined);
      if (!page || page.events.length === 0) break;
      events.push(...page.events);
      from = (page.events.at(-1)?.offset ?? from) + 1;
    }
    for (const problem of decisionProblems(events)) decisions.push(`${record.workflowId}: ${problem}`);
    if (record.scenario.person.includes('send')) {
      const messages = Array.from({ length: SESSION_MESSAGES }, (_, index) => sessionMessage(record.workflowId, index));
      for (const problem of sessionProblems(events, messages)) decisions.push(`${record.workflowId}: ${problem}`);
    }
  }
  // The documented fail-fast of a tool queue no worker serves (docs/production.md): a run whose tool queue's catalogue
  // no worker read within 10 s of its start fails at once. Under faults that is the status its script implies.
  const unservedAtStart = (record: RunRecord) =>
    record.scenario.kind === 'tool-queue' &&
    record.result?.status === 'failed' &&
    /could not read the tools of task queue/.test(record.result.answer) &&
    faults.some((fault) => fault.at <= record.startedAt + 15_000 && fault.until >= record.startedAt);
  // The planner's documented retry policy (8 attempts; docs/errors.md): a run whose model call failed 8 times while
  // faults were under way ends `failed`, "the model call gave up". Confirmed from its history, counted apart.
  const plannerGaveUp = (record: RunRecord) =>
    record.result?.status === 'failed' &&
    /the model call gave up/.test(record.result.answer) &&
    attemptsRanOut(executionsOfRun.get(record.workflowId) ?? [], 'plan') &&
    faults.some((fault) => fault.at <= (record.endedAt ?? Date.now()) && fault.until >= record.startedAt);
  const failedByDesign = records.filter(unservedAtStart);
  const gaveUp = records.filter(plannerGaveUp);
  // Each run ends as its script implies: final, or the failure its scenario expects (a malformed answer).
  const endedAsImplied = (record: RunRecord) => {
    const expected = record.scenario.expect;
    if (!expected) return record.result?.status === 'final';
    return record.result?.status === expected.status && expected.answer.test(`${record.result.error?.type ?? ''} ${record.result.answer}`);
  };
  const notFinal = records.filter((record) => !endedAsImplied(record) && !unservedAtStart(record) && !plannerGaveUp(record));
  // Wedged: a run that did not end, or took a decision (or message) in more than WEDGE_BOUND_MS after its person
  // first acted on the wait, faults and all.
  const wedged = records.filter((record) => !record.endedAt || record.longestDecisionMs > WEDGE_BOUND_MS);
  const replays = await replayFailures(executions, BUNDLE);
  const leaks = secretLeaks(executions, SECRET);

  // Faults counted: injected process and client faults, and the model's (5xx, 429, streams cut).
  const modelFaults = model.requests.filter((request) => request.status !== 200);
  const byKind = new Map<string, number>();
  for (const fault of faults) byKind.set(fault.kind, (byKind.get(fault.kind) ?? 0) + 1);
  for (const request of modelFaults) {
    const kind = request.status === 0 ? 'model_stream_cut' : request.status === 429 ? 'model_429' : `model_${request.status}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  for (const record of records) for (const [kind, count] of Object.entries(record.scenario.servedFaults ?? {})) byKind.set(kind, (byKind.get(kind) ?? 0) + count);
  const totalFaults = [...byKind.values()].reduce((sum, count) => sum + count, 0);
  const retried = toolServer.records.length - new Set(toolServer.records.map((record) => record.key)).size;
  const violations = [
    { invariant: 'every run ended as its script implies (final; or failed: a malformed answer, its tool queue unserved at its start, its model call out of attempts under faults)', count: notFinal.length, detail: notFinal.map((record) => `${record.workflowId}: ${record.result ? `${record.result.status}: ${record.result.answer.slice(0, 300)}` : (record.error ?? 'did not end')}`) },
    { invariant: 'no completed tool call ran again', count: again.length, detail: again.map((record) => `${record.key} attempt ${record.attempt}`) },
    { invariant: 'no decision, answer or message lost or applied twice', count: decisions.length, detail: decisions },
    { invariant: 'no run wedged (every run ended; each decision taken in within 60 s)', count: wedged.length, detail: wedged.map((record) => `${record.workflowId}: ${record.endedAt ? `a decision took ${(record.longestDecisionMs / 1_000).toFixed(1)} s` : 'did not end'}`) },
    { invariant: 'every history replays', count: replays.length, detail: replays },
    { invariant: 'no secret in any history', count: leaks.length, detail: leaks },
  ];
  const summary = {
    seed,
    profile: options.profile,
    topology: options.topology,
    runs,
    wallMs,
    executions: executions.length,
    toolCalls: completed.size,
    toolRequests: toolServer.records.length,
    toolRetriesBeforeCompletion: retried,
    faults: Object.fromEntries([...byKind.entries()].sort()),
    totalFaults,
    failedFastToolQueueUnserved: failedByDesign.length,
    plannerGaveUpAfterItsAttempts: gaveUp.length,
    longestDecisionMs: Math.max(0, ...records.map((record) => record.longestDecisionMs)),
    violations: violations.map(({ invariant, count }) => ({ invariant, count })),
  };
  const lines = [
    `chaos campaign, seed ${seed} (${options.profile}, on ${topology.name === 'cluster' ? 'a 2-node cluster on PostgreSQL' : 'the dev server'}): ${runs} runs (${executions.length} executions with continue-as-new and sub-agents) in ${(wallMs / 1_000).toFixed(0)} s`,
    '',
    '| fault | injected |',
    '|---|---|',
    ...[...byKind.entries()].sort().map(([kind, count]) => `| ${kind} | ${count} |`),
    `| **total** | **${totalFaults}** |`,
    '',
    `runs that failed fast because no worker of their tool queue answered within 10 s of their start (by design): ${failedByDesign.length}`,
    `runs whose model call gave up after its 8 attempts, all under faults (the planner's retry policy): ${gaveUp.length}${gaveUp.length ? ` (${gaveUp.map((record) => record.workflowId).join(', ')})` : ''}`,
    `longest time from a person's decision (or message) to its run going on: ${(Math.max(0, ...records.map((record) => record.longestDecisionMs)) / 1_000).toFixed(1)} s`,
    `tool calls completed: ${completed.size} (${new Set(toolServer.records.filter((record) => record.via === 'mcp').map((record) => record.key)).size} of them MCP calls); requests at the tool server: ${toolServer.records.length} (${retried} attempts retried before a completion was recorded: at-least-once, same idempotency key)`,
    '',
    '| invariant | violations |',
    '|---|---|',
    ...violations.map(({ invariant, count }) => `| ${invariant} | ${count} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const artifacts = join(ROOT, 'test-artifacts', 'chaos');
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, `${options.topology}-${options.profile}-${seed}.json`), `${JSON.stringify({ ...summary, faultLog: faults }, null, 2)}\n`);
  const failed = violations.filter((violation) => violation.count > 0);
  if (failed.length) {
    process.stdout.write(`\nFAILED (seed ${seed}; reproduce with ${reproduce}):\n`);
    // The histories of the runs a violation names, to read with the Temporal UI's import or `temporal workflow show`.
    const named = new Set(failed.flatMap((violation) => violation.detail.map((detail) => detail.split(/[:/ ]/)[0] ?? '')));
    const kept = executions.filter((execution) => [...named].some((id) => id.startsWith(execution.workflowId) || execution.workflowId.startsWith(id)));
    const historiesFile = join(artifacts, `${options.topology}-${options.profile}-${seed}-histories.json`);
    writeFileSync(historiesFile, `${JSON.stringify(kept.map(({ workflowId, runId, events }) => ({ workflowId, runId, events })))}\n`);
    process.stdout.write(`(the histories of those runs: ${historiesFile})\n`);
    for (const violation of failed) {
      process.stdout.write(`- ${violation.invariant}:\n`);
      for (const detail of violation.detail.slice(0, 20)) {
        const runId = detail.split(/[:/ ]/)[0] ?? '';
        const record = records.find((candidate) => runId.startsWith(candidate.workflowId));
        const hit = record ? faults.filter((fault) => fault.at <= (record.endedAt ?? Date.now()) && fault.until >= record.startedAt).map((fault) => `${fault.kind}@${fault.at - campaignStart}ms`) : [];
        process.stdout.write(`    ${detail}${hit.length ? ` (faults while it ran: ${hit.slice(0, 12).join(', ')})` : ''}\n`);
      }
    }
    process.exitCode = 1;
  }

  await client.connection.close();
  for (const worker of workers) await worker.close();
  await toxiproxy?.stop();
  await model.close();
  await toolServer.close();
  await topology.stop();
  rmSync(folder, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos campaign failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});
