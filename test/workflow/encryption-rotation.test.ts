import type { AgentClient } from '../../src/client';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { isAlive, startCli, waitForOutput } from '../helpers/cli';
import {
  agentClientFor,
  decryptedValue,
  keyIdOf,
  rawClientFor,
  recordEncryptedHistory,
  startAgentWorker,
  storedHistories,
  storedPayloads,
  testKeyList,
  testKeys,
  type RunningWorker,
} from '../helpers/encryption';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { createDeployTool } from '../helpers/test-tools';
import { until } from '../helpers/until';

/** What each kind of run waits for while the keys change: a person's approval, a person's answer, a 8-second timer. */
const SCRIPTS = {
  approval: { turns: [{ toolCalls: [{ name: 'deploy', arguments: { service: 'api', version: '1.0' } }] }, { content: 'deployed' }] },
  question: { turns: [{ toolCalls: [{ name: 'ask_user', arguments: { question: 'Which region?' } }] }, { content: 'answered' }] },
  timer: { turns: [{ toolCalls: [{ name: 'wait', arguments: { seconds: 8 } }] }, { content: 'waited' }] },
};
type Kind = keyof typeof SCRIPTS;
const KINDS: Kind[] = ['approval', 'question', 'timer', 'approval', 'question', 'timer'];

/** Payloads of a run's stored history, by the key that encrypted them: written before `before`, after `after`. */
async function keysByPeriod(address: string, workflowId: string, before: Date, after: Date) {
  const raw = await rawClientFor(address);
  try {
    const histories = await storedHistories(raw, workflowId);
    const payloads = histories.flatMap(storedPayloads);
    const idsOf = (list: typeof payloads) => [...new Set(list.map(({ payload }) => keyIdOf(payload)))];
    const early = payloads.filter(({ eventTime }) => Date.parse(eventTime) < before.getTime());
    const late = payloads.filter(({ eventTime }) => Date.parse(eventTime) >= after.getTime());
    const first = payloads.find(({ eventType }) => eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    const last = payloads.find(({ eventType }) => eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    return { all: payloads.length, early: idsOf(early), late: idsOf(late), between: payloads.length - early.length - late.length, input: first && keyIdOf(first.payload), result: last && keyIdOf(last.payload), histories };
  } finally {
    await raw.connection.close();
  }
}

/** Runs waiting for a person or a timer while every key change happens (docs/security.md, "What the tests prove"). */
describe('key rotation under load: test-k1, then test-k2 first, then test-k2 alone, then test-k1 back', () => {
  jest.setTimeout(180_000);

  it('in-flight runs finish on the new key; a worker without the old key fails those runs clearly, lives on, and loses nothing', async () => {
    const address = testConfig().address;
    const model = await startScriptedModel(compileScript({ turns: [{ content: 'a run that needs nothing' }] }), {
      scriptsByModel: new Map(Object.entries(SCRIPTS).map(([kind, script]) => [kind, compileScript(script)])),
    });
    const deploy = createDeployTool();
    const taskQueue = uniqueTaskQueue('rotation');
    const workers: RunningWorker[] = [];
    const clients: AgentClient[] = [];
    const startWorker = async (...ids: string[]) => {
      const worker = await startAgentWorker({ address, keys: testKeys(...ids), taskQueue, model, tools: [deploy.tool] });
      workers.push(worker);
      return worker;
    };
    const connect = async (...ids: string[]) => {
      const client = await agentClientFor(address, testKeys(...ids));
      clients.push(client);
      return client;
    };
    let cli: ReturnType<typeof startCli> | undefined;
    try {
      // 1. Workers and clients hold test-k1 only. Six runs start and wait; a seventh waits for an answer held back.
      const first = await startWorker('test-k1');
      const oldClient = await connect('test-k1');
      const runs = await Promise.all(KINDS.map((kind, index) => oldClient.start({ goal: `rotation ${index}`, model: kind }, { taskQueue, workflowId: `${taskQueue}-${index}-${kind}` })));
      const held = await oldClient.start({ goal: 'an answer held back', model: 'question' }, { taskQueue, workflowId: `${taskQueue}-held` });
      const raw = await rawClientFor(address);
      try {
        // Each waits on a timer: the `wait` itself, or the expiry of an approval or a question.
        await until('every run to wait on its timer', async () => {
          const histories = await Promise.all([...runs, held].map((run) => raw.workflow.getHandle(run.workflowId).fetchHistory()));
          return histories.every((history) => history.events?.some((event) => event.timerStartedEventAttributes)) ? true : undefined;
        });
      } finally {
        await raw.connection.close();
      }
      await first.stop();
      const firstStopped = new Date();

      // 2. test-k2 encrypts, test-k1 still decrypts: every run finishes.
      await startWorker('test-k2', 'test-k1');
      const rotated = new Date();
      const bothClient = await connect('test-k2', 'test-k1');
      for (const [index, run] of runs.entries()) {
        const handle = bothClient.getHandle(run.workflowId);
        if (KINDS[index] === 'approval') await handle.approve((await until('the approval', async () => (await handle.pending()).approvals[0])).callId);
        if (KINDS[index] === 'question') await handle.reply('eu-west-1');
      }
      const results = await Promise.all(runs.map((run) => bothClient.getHandle(run.workflowId).result()));
      expect(results.map((result) => result.status)).toEqual(KINDS.map(() => 'final'));
      expect(deploy.ran).toHaveLength(2);
      for (const run of runs) {
        const keys = await keysByPeriod(address, run.workflowId, firstStopped, rotated);
        // What the old workers and clients wrote stays under test-k1; all that came after is under test-k2.
        expect({ run: run.workflowId, ...keys, histories: undefined }).toEqual({
          run: run.workflowId,
          all: expect.any(Number),
          early: ['test-k1'],
          late: ['test-k2'],
          between: 0,
          input: 'test-k1',
          result: 'test-k2',
          histories: undefined,
        });
        if (run === runs[0]) recordEncryptedHistory(keys.histories[0]!, 'agent-encrypted-rotation');
      }
      await Promise.all(workers.map((worker) => worker.stop()));

      // 3. A worker process with test-k2 alone (the CLI): it cannot replay the held run, says why, and lives on.
      cli = startCli(['worker', '--task-queue', taskQueue], {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: 'default',
        OPENAI_BASE_URL: model.baseURL,
        OPENAI_API_KEY: 'test-key',
        DURABLE_AGENT_MODEL: 'scripted',
        DURABLE_AGENT_ENCRYPTION_KEYS: testKeyList('test-k2'),
      });
      await waitForOutput(cli, /polling task queue/, 60_000, 'stderr');
      const newClient = await connect('test-k2');
      // A client without test-k1 reads what test-k2 wrote (a result), not what test-k1 wrote (the goal), and says so.
      await expect(newClient.getHandle(runs[0]!.workflowId).result()).resolves.toMatchObject({ status: 'final', answer: 'deployed' });
      const refusal = await newClient.getHandle(held.workflowId).describe().then(
        () => undefined,
        (error: Error) => error,
      );
      expect(refusal).toMatchObject({ name: 'PayloadDecryptionError', message: expect.stringContaining('encrypted with the key "test-k1", which this process does not have') });
      // The worker serves a new run while it cannot read the held one.
      const fresh = await newClient.start({ goal: 'after the rotation' }, { taskQueue });
      await expect(fresh.result()).resolves.toMatchObject({ status: 'final', answer: 'a run that needs nothing' });
      const answer = bothClient.getHandle(held.workflowId).reply('us-east-1');
      answer.catch(() => undefined);
      await waitForOutput(cli, /PayloadDecryptionError: a payload is encrypted with the key "test-k1", which this process does not have/, 60_000, 'stderr');
      expect(isAlive(cli.pid!)).toBe(true);
      cli.kill('SIGTERM');
      const stopped = await cli.done;
      expect({ code: stopped.code, signal: stopped.signal }).toEqual({ code: 0, signal: null });
      // The failed workflow task is in the held run's history, its message encrypted with test-k2 and naming test-k1.
      const [heldHistory] = (await keysByPeriod(address, held.workflowId, new Date(), new Date())).histories;
      const failure = storedPayloads(heldHistory!).find(({ path }) => path === 'workflowTaskFailedEventAttributes.failure.encodedAttributes');
      expect(failure && keyIdOf(failure.payload)).toBe('test-k2');
      expect(await decryptedValue(failure!.payload, testKeys('test-k2'))).toMatchObject({ message: expect.stringMatching(/^a payload is encrypted with the key "test-k1"/) });

      // 4. test-k1 back (after test-k2): the held run takes its answer and finishes. Nothing was lost.
      await startWorker('test-k2', 'test-k1');
      await expect(answer).resolves.toMatchObject({ questionId: expect.any(String) });
      await expect(bothClient.getHandle(held.workflowId).result()).resolves.toMatchObject({ status: 'final', answer: 'answered' });
    } finally {
      if (cli && cli.exitCode === null && cli.signalCode === null) {
        cli.kill('SIGKILL');
        await cli.done;
      }
      await Promise.all(workers.map((worker) => worker.stop().catch(() => undefined)));
      await Promise.all(clients.map((client) => client.close()));
      await model.close();
    }
  });
});
