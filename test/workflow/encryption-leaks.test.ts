import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { z } from 'zod';
import type { EncryptionKeys } from '../../src/codec/encryption-keys';
import { AGENT_GOAL, AGENT_STATUS, AGENT_STEP } from '../../src/contracts/search-attributes';
import { FEATURES } from '../../src/workflows/agent/features';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { defineTool, ToolError } from '../../src/tools/define-tool';
import { systemResolver } from '../../src/tools/net/address-guard';
import {
  agentClientFor,
  decryptedHistoryJson,
  filesUnder,
  historyBytes,
  keyIdOf,
  leaksIn,
  newMarkers,
  plainFields,
  rawClientFor,
  rawQueryAnswer,
  recordEncryptedHistory,
  startAgentWorker,
  startOwnDevServer,
  storedHistories,
  storedPayloads,
  temporalCliOutput,
  testKeys,
  uiApiText,
  uiRunTexts,
  type OwnDevServer,
} from '../helpers/encryption';
import { startHttpTestServer, type HttpTestServer } from '../helpers/http-server';
import { uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

/** Every kind of data a run carries, each standing for a secret of its own. */
const LABELS = [
  'goal', // the run's input
  'toolArgument', // the model's arguments to a call
  'editedArgument', // a person's edit of those arguments at approval
  'toolOutput', // what a custom tool returned
  'failure', // a failing tool's error message
  'httpHost', // an http_get URL (the model's) and the page the real HTTP server returned (it echoes the host)
  'waitReason', // a `wait` call's reason (the UI shows it as the timer's summary)
  'question', // an ask_user question (the model's)
  'reply', // a person's answer to it
  'answer', // the model's final answer
  'sessionGoal', // a session's goal
  'message', // the first message of a session (update-with-start)
  'sessionAnswer',
  'followUp', // a later message (`send`)
  'followUpAnswer',
] as const;
type Markers = Record<(typeof LABELS)[number], string>;

/** Something a reader got, and where from. */
interface Reading {
  what: string;
  content: string | Buffer;
}

interface Scenario {
  workflowIds: [run: string, session: string];
  taskQueue: string;
  /** What a reader without the key got from the server while the run waited for people, and once it had ended. */
  readings: Reading[];
}

/**
 * One run that carries every kind of data (a gated call approved with edited arguments, a failing tool, a real HTTP
 * fetch, a timer, a question answered) and a session of two messages, through the library's client and an in-process
 * worker, both encrypting with `keys` when given.
 */
async function driveScenario(own: OwnDevServer, http: HttpTestServer, markers: Markers, keys: EncryptionKeys | undefined): Promise<Scenario> {
  const address = own.server.address;
  const vaultInputs: unknown[] = [];
  const tools = [
    defineTool({
      name: 'vault_read',
      description: 'Reads a secret',
      input: z.object({ name: z.string() }),
      run: async (input) => {
        vaultInputs.push(input);
        return { secret: markers.toolOutput };
      },
    }),
    defineTool({
      name: 'vault_fail',
      description: 'Always fails',
      input: z.object({ reason: z.string() }),
      run: async () => {
        throw new ToolError(`the vault refused: ${markers.failure}`);
      },
    }),
  ];
  const script = {
    turns: [
      {
        toolCalls: [
          { name: 'vault_read', arguments: { name: markers.toolArgument } },
          { name: 'vault_fail', arguments: { reason: 'sealed' } },
          { name: 'http_get', arguments: { url: `http://${markers.httpHost}.test:${http.port}/echo-host` } },
          { name: 'wait', arguments: { seconds: 1, reason: markers.waitReason } },
          { name: 'ask_user', arguments: { question: markers.question } },
        ],
      },
      { content: markers.answer },
    ],
  };
  const sessionScript = { turns: [{ content: markers.sessionAnswer }, { content: markers.followUpAnswer }] };
  const model = await startScriptedModel(compileScript(script), { scriptsByModel: new Map([['session', compileScript(sessionScript)]]) });
  const taskQueue = uniqueTaskQueue(keys ? 'encrypted' : 'plain');
  const builtinTools = {
    workspace: own.folder,
    httpAllow: [`127.0.0.1:${http.port}`],
    httpMaxBytes: 65_536,
    readMaxBytes: 1_000,
    waitMaxSeconds: 60,
    resolve: async (hostname: string) => (hostname.endsWith('.test') ? ['127.0.0.1'] : systemResolver(hostname)),
  };
  // Every model call stays a local activity (the readable fields below list activity types): 10 s before a hand-off,
  // as a loaded machine can take 200 ms for a scripted answer.
  const worker = await startAgentWorker({ address, keys, taskQueue, model, tools, builtinTools, handoffAfterMs: 10_000 });
  const agents = await agentClientFor(address, keys);
  const raw = await rawClientFor(address);
  const readings: Reading[] = [];
  const readQueries = async (workflowId: string, when: string) => {
    for (const query of ['agentState', 'plannerContext', '__temporal_workflow_metadata']) {
      readings.push({ what: `query ${query} of ${workflowId} ${when}`, content: await rawQueryAnswer(raw, workflowId, query) });
    }
  };
  try {
    const runId = `${taskQueue}-run`;
    const run = await agents.start({ goal: markers.goal, requireApproval: ['vault_read'], maxParallel: 8 }, { taskQueue, workflowId: runId });
    const pending = await until('the approval and the question', async () => {
      const found = await run.pending();
      return found.approvals.length === 1 && found.questions.length === 1 ? found : undefined;
    });
    readings.push({ what: `the UI's description of ${runId} while it waits`, content: await uiApiText(own.server.uiUrl, `/namespaces/default/workflows/${runId}`) });
    await readQueries(runId, 'while it waits');
    await run.approve(pending.approvals[0]!.callId, { arguments: { name: markers.editedArgument } });
    await run.reply(markers.reply);
    const result = await run.result();
    // Every marker travelled: the edit reached the tool, the model's answer is the result, each call has its outcome.
    expect(result).toMatchObject({ status: 'final', answer: markers.answer, toolCalls: { ok: 4, failed: 1 } });
    expect(vaultInputs).toEqual([{ name: markers.editedArgument }]);
    expect(http.requests.some((request) => request.host === `${markers.httpHost}.test:${http.port}`)).toBe(true);
    await readQueries(runId, 'after it ended');

    const sessionId = `${taskQueue}-session`;
    const first = await agents.chat(sessionId, markers.message, { input: { goal: markers.sessionGoal, model: 'session' }, taskQueue });
    expect(first).toMatchObject({ turn: 1, answer: markers.sessionAnswer });
    const session = agents.getHandle(sessionId);
    await expect(session.send(markers.followUp)).resolves.toMatchObject({ turn: 2, answer: markers.followUpAnswer });
    await readQueries(sessionId, 'while idle');
    await session.close();
    await session.result();
    return { workflowIds: [runId, sessionId], taskQueue, readings };
  } finally {
    await agents.close();
    await raw.connection.close();
    await worker.stop();
    await model.close();
  }
}

/** Each marker found, with where: `<what>: <label>` (plain text) or `<what>: <label> (base64)`. */
function leaksAt(readings: readonly Reading[], markers: Markers): string[] {
  return readings.flatMap(({ what, content }) => leaksIn(content, markers).map((label) => `${what}: ${label}`));
}

/** The labels found in none of `readings`: for a reader that sees everything (a control), none. */
function missingFrom(readings: readonly Reading[], markers: Markers): string[] {
  const found = new Set(readings.flatMap(({ content }) => leaksIn(content, markers)).map((label) => label.replace(/ \(base64\)$/, '')));
  return LABELS.filter((label) => !found.has(label));
}

/**
 * The acceptance test of payload encryption: with keys, no secret of a run can be read where the server keeps it or
 * hands it out — history, the Temporal CLI, the Web UI's API, query answers, the SQLite files and their write-ahead log —
 * while the same scenario without keys shows every secret in each of those places (so each scan can fail).
 */
describe('payload encryption: what the server stores and shows holds no secret of a run', () => {
  jest.setTimeout(180_000);
  let own: OwnDevServer;
  let http: HttpTestServer;
  /** A client without the key: what anyone who can reach the server reads. */
  let raw: Client;
  const secret = newMarkers('enc', LABELS);
  const control = newMarkers('plain', LABELS);
  let encrypted: Scenario;
  let plain: Scenario;

  beforeAll(async () => {
    own = await startOwnDevServer('encryption-leaks');
    http = await startHttpTestServer();
    encrypted = await driveScenario(own, http, secret, testKeys('test-k1'));
    plain = await driveScenario(own, http, control, undefined);
    raw = await rawClientFor(own.server.address);
  }, 180_000);

  afterAll(async () => {
    await raw?.connection.close();
    await http?.close();
    await own?.remove();
  });

  it('history, fetched by a client without the key: no marker in its JSON or its protobuf bytes, every payload under test-k1', async () => {
    const historiesOf = async (scenario: Scenario) => (await Promise.all(scenario.workflowIds.map((workflowId) => storedHistories(raw, workflowId)))).flat();
    const readingsOf = (histories: History[]) =>
      histories.flatMap((history, index) => [
        { what: `history ${index} (JSON)`, content: historyToJSON(history) },
        { what: `history ${index} (protobuf)`, content: historyBytes(history) },
      ]);
    const histories = await historiesOf(encrypted);
    expect(leaksAt(readingsOf(histories), secret)).toEqual([]);
    const payloads = histories.flatMap(storedPayloads);
    expect(payloads.length).toBeGreaterThan(20);
    expect([...new Set(payloads.map(({ payload }) => keyIdOf(payload)))]).toEqual(['test-k1']);
    // A failure's message and stack trace are in its encoded attributes (a payload), not in plain text.
    const failed = histories[0]!.events?.find((event) => event.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
    expect(failed).toMatchObject({ message: 'Encoded failure', stackTrace: '', applicationFailureInfo: { type: 'ToolError' } });
    expect(payloads.filter(({ path }) => path.endsWith('failure.encodedAttributes')).map(({ payload }) => keyIdOf(payload))).toEqual(['test-k1']);

    // The controls: the same histories decrypted, and the scenario without keys, show every marker to the same scan.
    const decrypted = await Promise.all(histories.map(async (history, index) => ({ what: `history ${index} decrypted`, content: await decryptedHistoryJson(history, testKeys()) })));
    expect(missingFrom(decrypted, secret)).toEqual([]);
    expect(missingFrom(readingsOf(await historiesOf(plain)), control)).toEqual([]);

    recordEncryptedHistory((await storedHistories(raw, encrypted.workflowIds[0]))[0]!, 'agent-encrypted-tools');
    recordEncryptedHistory((await storedHistories(raw, encrypted.workflowIds[1]))[0]!, 'agent-encrypted-session');
  });

  it('search attributes: an encrypting client leaves the goal out (AgentGoal), a plain one sets it', async () => {
    // Search attributes are indexed in plain text by design: anyone who can list runs reads them, key or not.
    const attributesOf = async (workflowId: string) => {
      const description = await raw.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
      const fields = description.workflowExecutionInfo?.searchAttributes?.indexedFields ?? {};
      return Object.fromEntries(Object.entries(fields).map(([name, payload]) => [name, defaultPayloadConverter.fromPayload(payload)]));
    };
    const encryptedAttributes = await attributesOf(encrypted.workflowIds[0]);
    expect(encryptedAttributes).not.toHaveProperty(AGENT_GOAL.name);
    expect(encryptedAttributes).toMatchObject({ [AGENT_STATUS.name]: 'final', [AGENT_STEP.name]: 2 });
    expect(await attributesOf(plain.workflowIds[0])).toMatchObject({ [AGENT_GOAL.name]: control.goal });
  });

  it('the Temporal CLI (workflow show, describe, list --output json): no marker', async () => {
    const readingsOf = async (scenario: Scenario): Promise<Reading[]> => {
      const commands = [
        ...scenario.workflowIds.flatMap((workflowId) => [
          ['workflow', 'show', '--workflow-id', workflowId],
          ['workflow', 'describe', '--workflow-id', workflowId],
        ]),
        ['workflow', 'list', '--query', `TaskQueue = '${scenario.taskQueue}'`],
      ];
      return Promise.all(commands.map(async (args) => ({ what: `temporal ${args.join(' ')}`, content: await temporalCliOutput(own.server.address, args) })));
    };
    const readings = await readingsOf(encrypted);
    expect(readings.map(({ content }) => content).join('')).toContain(encrypted.workflowIds[0]);
    expect(leaksAt(readings, secret)).toEqual([]);
    expect(missingFrom(await readingsOf(plain), control)).toEqual([]);
  });

  it("the Web UI's API (a run's description and history both ways, the runs list) and query answers: no marker", async () => {
    const readingsOf = async (scenario: Scenario): Promise<Reading[]> => {
      const list = `/namespaces/default/workflows?query=${encodeURIComponent(`TaskQueue = '${scenario.taskQueue}'`)}`;
      const readings = [{ what: `GET ${list}`, content: await uiApiText(own.server.uiUrl, list) }];
      for (const workflowId of scenario.workflowIds) {
        for (const history of await storedHistories(raw, workflowId)) {
          const runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId ?? '';
          const ui = await uiRunTexts(own.server.uiUrl, workflowId, runId);
          // The UI's pages hold the whole history: the scan covers what the UI shows.
          expect(ui.eventCount).toBe(history.events?.length);
          readings.push({ what: `the UI's description of ${workflowId}`, content: ui.describe }, ...ui.history.map((content, page) => ({ what: `the UI's history of ${workflowId}, page ${page}`, content })));
        }
      }
      return readings;
    };
    expect(leaksAt(await readingsOf(encrypted), secret)).toEqual([]);
    expect(leaksAt(encrypted.readings, secret)).toEqual([]);
    expect(missingFrom(await readingsOf(plain), control)).toEqual([]);
    // Without encryption, query answers hold the transcript in plain text.
    const transcript = ['goal', 'toolArgument', 'toolOutput', 'failure', 'question', 'reply', 'answer', 'message', 'followUp'];
    expect(missingFrom(plain.readings, control).filter((label) => transcript.includes(label))).toEqual([]);
  });

  it('what stays readable of an encrypted run: names, numbers, durations and times (docs/security.md)', async () => {
    const histories = (await Promise.all(encrypted.workflowIds.map((workflowId) => storedHistories(raw, workflowId)))).flat();
    const fields = histories.flatMap(plainFields);
    const valuesAt = (suffix: string) => [...new Set(fields.filter((field) => field.path.endsWith(suffix)).map((field) => field.value))].sort();
    expect(valuesAt('workflowType.name')).toEqual(['agentWorkflow']);
    expect(valuesAt('workflowId')).toEqual([...encrypted.workflowIds].sort());
    expect(valuesAt('taskQueue.normalName')).toEqual([encrypted.taskQueue]);
    // Tools that run as activities show as activity types; `wait` and `ask_user` run in the workflow: timers. The model
    // answers at once, so the `auto` planner's calls stay local activities: markers, below.
    expect(valuesAt('activityType.name')).toEqual(['describeTools', 'http_get', 'vault_fail', 'vault_read']);
    expect(valuesAt('acceptedRequest.input.name')).toEqual(['close', 'decide', 'reply', 'send']);
    expect(valuesAt('timerStartedEventAttributes.startToFireTimeout')).toEqual(expect.arrayContaining(['1s', '86400s']));
    expect(valuesAt('retryPolicy.nonRetryableErrorTypes')).toEqual(['ToolError', 'ToolInputInvalid']);
    expect(valuesAt('failure.applicationFailureInfo.type')).toEqual(['ToolError']);
    expect(valuesAt('failure.message')).toEqual(['Encoded failure']);
    expect(valuesAt('indexedFields.AgentStatus')).toEqual(['final', 'idle', 'running', 'waiting_for_approval', 'waiting_for_input']);
    expect(valuesAt('indexedFields.AgentStep')).toEqual(expect.arrayContaining(['0', '1', '2']));
    expect(valuesAt('indexedFields.AgentInputTokens').length).toBeGreaterThan(1);
    expect(valuesAt('sdkMetadata.sdkName')).toEqual(['temporal-typescript']);
    // The memo's key is readable, its value is a payload (encrypted).
    expect(histories.flatMap(storedPayloads).map(({ path }) => path)).toContain('workflowPropertiesModifiedEventAttributes.upsertedMemo.fields.durableAgentEventLog');
    // Each activity carries its trace context (docs/observability.md) in a header the codec does not encode: a W3C
    // traceparent, ids only (the marker scans above cover it); and the SDK's flags.
    // Patch markers (docs/versioning.md): their name, and the feature ids in their details and in TemporalChangeVersion.
    expect(valuesAt('markerRecordedEventAttributes.markerName')).toEqual(['core_local_activity', 'core_patch']);
    // A local activity's marker (the `auto` planner's model calls): the SDK core's record of the call in plain text —
    // its sequence number, attempt, id, type and times — and its result under the key (the scans above cover it).
    const localCalls = valuesAt('details.data.payloads').map((value) => JSON.parse(value) as Record<string, unknown>);
    expect(localCalls.length).toBeGreaterThan(0);
    expect([...new Set(localCalls.flatMap((call) => Object.keys(call)))].sort()).toEqual(['activity_id', 'activity_type', 'attempt', 'backoff', 'complete_time', 'original_schedule_time', 'seq']);
    expect([...new Set(localCalls.map((call) => call.activity_type))]).toEqual(['plan']);
    expect(valuesAt('indexedFields.TemporalChangeVersion').every((value) => Object.values(FEATURES).some((id) => value.includes(id)))).toBe(true);
    const patchData = valuesAt('details.patch-data.payloads');
    expect(patchData.length).toBeGreaterThan(0);
    expect(patchData.every((value) => Object.values(FEATURES).some((id) => value.includes(id)))).toBe(true);
    // Nothing else: every other readable value is an id, a count, a duration, a time, an enum or a worker's identity.
    const documented = /(eventType|eventTime|eventId|taskId|EventId|Id|\.identity|requestId|Timeout|Interval|backoffCoefficient|maximumAttempts|attempt|kind|retryState|nonRetryable|source|useWorkflowBuildId|buildId|historySizeBytes|coreUsedFlags|sdkVersion|cause|activityType\.name|input\.name|workflowType\.name|taskQueue\.(name|normalName)|nonRetryableErrorTypes|failure\.(message|applicationFailureInfo\.type)|indexedFields\.Agent(Status|Step|InputTokens|OutputTokens)|indexedFields\.TemporalChangeVersion|markerName|details\.patch-data\.payloads|details\.data\.payloads|sdkName|firstWorkflowTaskBackoff|startToFireTimeout|acceptedRequestMessageId|langUsedFlags|header\.fields\._tracer-data)$/;
    expect([...new Set(fields.map((field) => field.path).filter((path) => !documented.test(path)))]).toEqual([]);
  });

  it('the SQLite database, write-ahead log and shared memory, as raw bytes while the server runs and after it stopped: no marker', async () => {
    const scan = (when: string, expectedFiles: string[]) => {
      const files = filesUnder(own.folder);
      expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(expectedFiles));
      const readings = files.map((file) => ({ what: `${file.name} ${when}`, content: file.bytes }));
      // The files hold both scenarios (their run ids are readable), so a missing marker is not a missing run.
      const everything = Buffer.concat(files.map((file) => file.bytes));
      for (const workflowId of [...encrypted.workflowIds, ...plain.workflowIds]) expect({ when, workflowId, stored: everything.includes(workflowId) }).toEqual({ when, workflowId, stored: true });
      expect(leaksAt(readings, secret)).toEqual([]);
      expect(missingFrom(readings, control)).toEqual([]);
    };
    scan('while the server runs', ['dev.sqlite', 'dev.sqlite-wal', 'dev.sqlite-shm']);
    await own.stop();
    scan('after the server stopped', ['dev.sqlite']);
  });
});
