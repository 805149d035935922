import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { historyToJSON, JSONToPayload, payloadToJSON, type History, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { AgentClient } from '../../src/client';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from '../../src/codec/encryption-codec';
import { parseKeyList, type EncryptionKeys } from '../../src/codec/encryption-keys';
import { connectClient } from '../../src/config/connect';
import { loadTemporalConfig, type TemporalConfig } from '../../src/config/temporal-config';
import type { ScriptedModelServer } from '../../src/scripted-model/server';
import { startDevServer, type DevServer } from '../../src/temporal-server/dev-server';
import { resolveTemporalBinary } from '../../src/temporal-server/temporal-binary';
import type { AnyTool } from '../../src/tools/define-workflow-tool';
import { createWorker, type AgentWorkerOptions } from '../../src/worker';
import { installQuietRuntime, testWorkflowBundlePath } from './temporal';

// ── Keys ──────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The TEST-ONLY keys `test-k1` and `test-k2` (published in the repository: they protect nothing). */
export const TEST_KEY_FILE = join(__dirname, '..', 'fixtures', 'encryption-test-key.txt');

/** Entries of the test key file, all or the named ones in the order given (the first encrypts), as one list. */
export function testKeyList(...ids: string[]): string {
  const entries = readFileSync(TEST_KEY_FILE, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
  if (ids.length === 0) return entries.join(',');
  return ids
    .map((id) => {
      const entry = entries.find((line) => line.startsWith(`${id}:`));
      if (!entry) throw new Error(`The test key file has no key "${id}".`);
      return entry;
    })
    .join(',');
}

/** The test keys, as a process given `DURABLE_AGENT_ENCRYPTION_KEYS=<testKeyList(ids)>` holds them. */
export function testKeys(...ids: string[]): EncryptionKeys {
  return parseKeyList(testKeyList(...ids), `the test keys ${ids.join(', ') || '(all)'}`);
}

/** Configuration for `address`, encrypting with `keys` when given. */
export function configFor(address: string, keys?: EncryptionKeys): TemporalConfig {
  const config = loadTemporalConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' });
  return keys ? { ...config, encryption: keys } : config;
}

/** The library's client, encrypting with `keys` when given (without: Temporal's default data converter). */
export async function agentClientFor(address: string, keys?: EncryptionKeys): Promise<AgentClient> {
  const config = configFor(address, keys);
  return new AgentClient(await connectClient(config), config);
}

/** A Temporal client with no codec: what anyone who can reach the server, but has no key, reads. */
export async function rawClientFor(address: string): Promise<Client> {
  return connectClient(configFor(address));
}

// ── Workers ───────────────────────────────────────────────────────────────────────────────────────────────────────

export interface RunningWorker {
  readonly worker: Worker;
  /** Settles when the worker stops; rejects if it crashed. */
  readonly running: Promise<void>;
  /** Shuts the worker down gracefully and closes its connection (once; later calls wait for the first). */
  stop(): Promise<void>;
}

export interface AgentWorkerSpec {
  address: string;
  /** Absent: the worker neither encrypts nor decrypts. */
  keys?: EncryptionKeys;
  taskQueue: string;
  model: ScriptedModelServer;
  tools?: readonly AnyTool[];
  builtinTools?: AgentWorkerOptions['builtinTools'];
  /** The `auto` planner's hand-off time on this worker (docs/agent-loop.md). @default the run's, 200 ms */
  handoffAfterMs?: number;
}

/** An in-process agent worker polling `taskQueue` on `address`, with the test bundle and the scripted model. */
export async function startAgentWorker(spec: AgentWorkerSpec): Promise<RunningWorker> {
  installQuietRuntime();
  const config = configFor(spec.address, spec.keys);
  const connection = await NativeConnection.connect(config.connectionOptions);
  let worker: Worker;
  try {
    worker = await createWorker({
      config,
      connection,
      taskQueue: spec.taskQueue,
      tools: spec.tools ?? [],
      ...(spec.builtinTools !== undefined ? { builtinTools: spec.builtinTools } : {}),
      model: { baseURL: spec.model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000, ...(spec.handoffAfterMs !== undefined ? { handoffAfterMs: spec.handoffAfterMs } : {}) },
      workflowBundle: { codePath: testWorkflowBundlePath() },
    });
  } catch (error) {
    await connection.close();
    throw error;
  }
  const running = worker.run();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      try {
        await running;
      } finally {
        await connection.close();
      }
    })());
  return { worker, running, stop };
}

// ── A dev server of the test's own, whose files it can read ────────────────────────────────────────────────────────

export interface OwnDevServer {
  readonly server: DevServer;
  /** The temporary folder that holds the SQLite database (`dev.sqlite`, `-wal`, `-shm`) and nothing else. */
  readonly folder: string;
  /** Stops the server (a no-op once stopped); the folder stays until `remove`. */
  stop(): Promise<void>;
  /** Stops the server and deletes its folder. */
  remove(): Promise<void>;
}

/** A Temporal dev server on free loopback ports with its database in a new temporary folder. */
export async function startOwnDevServer(label: string): Promise<OwnDevServer> {
  const folder = mkdtempSync(join(tmpdir(), `durable-agent-${label}-`));
  let server: DevServer;
  try {
    server = await startDevServer({ port: 0, uiPort: 0, dbFile: join(folder, 'dev.sqlite'), onProgress: () => undefined });
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= server.stop());
  return {
    server,
    folder,
    stop,
    remove: async () => {
      await stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Every file under `folder` (the database, its write-ahead log and shared memory), as raw bytes. */
export function filesUnder(folder: string): Array<{ name: string; bytes: Buffer }> {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { name: path.slice(folder.length + 1), bytes: readFileSync(path) };
    });
}

// ── Markers and the scan ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * A unique string per label, standing for a secret: lowercase letters and digits only, so it goes through JSON, URLs
 * and host names unchanged and a scan finds it as it is.
 */
export function newMarkers<const Label extends string>(scope: string, labels: readonly Label[]): Record<Label, string> {
  return Object.fromEntries(labels.map((label) => [label, `${scope}${label.toLowerCase()}${randomBytes(6).toString('hex')}`])) as Record<Label, string>;
}

/**
 * The three forms `text` takes inside base64, one per offset of its first byte in a 3-byte group (standard and URL-safe
 * alphabets). The characters at either end that also encode the neighbouring bytes are left out.
 */
export function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  return [0, 1, 2].flatMap((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const form = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    return [form, form.replace(/\+/g, '-').replace(/\//g, '_')];
  });
}

/** The labels of the markers `content` holds, in plain text (`goal`) or in base64 (`goal (base64)`). */
export function leaksIn(content: string | Buffer, markers: Readonly<Record<string, string>>): string[] {
  const text = typeof content === 'string' ? content : content.toString('latin1');
  return Object.entries(markers).flatMap(([label, marker]) => [
    ...(text.includes(marker) ? [label] : []),
    ...(base64Forms(marker).some((form) => text.includes(form)) ? [`${label} (base64)`] : []),
  ]);
}

// ── Histories as the server stores them ──────────────────────────────────────────────────────────────────────────

/** Every run of `workflowId` (a continue-as-new chain has several), newest first, fetched as stored: no codec runs. */
export async function storedHistories(client: Client, workflowId: string): Promise<History[]> {
  const histories: History[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.push(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return histories;
  }
}

/** The same history, serialized as the server's protobuf (binary) encodes it. */
export function historyBytes(history: History): Buffer {
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
}

export interface StoredPayload {
  eventId: string;
  eventType: string;
  eventTime: string;
  /** Where in the event, e.g. `activityTaskScheduledEventAttributes.input.payloads.0`. */
  path: string;
  payload: JSONPayload;
}

interface HistoryJson {
  events?: Array<Record<string, unknown>>;
}

/** A history in the JSON form Temporal's tools write (payload metadata and data in base64). */
function jsonOf(history: History): HistoryJson {
  return JSON.parse(historyToJSON(history)) as HistoryJson;
}

/**
 * Every payload of a history (as its JSON form holds it), but those of search attributes, headers and patch markers:
 * the server indexes search attributes in plain text by design, headers carry no run data (the SDK leaves them to
 * interceptors), a patch marker's details are the feature's id (`cost-attribute-v1`) and a local activity marker's
 * `data` is the SDK core's record of the call (its type, attempt and times; its result goes through the codec), both
 * written by the SDK's core without the codec (test/workflow/encryption-leaks.test.ts checks they hold nothing else).
 */
export function storedPayloads(history: History): StoredPayload[] {
  return payloadsIn(jsonOf(history));
}

function payloadsIn(historyJson: HistoryJson): StoredPayload[] {
  const found: StoredPayload[] = [];
  for (const event of historyJson.events ?? []) {
    const visit = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      const metadata = record.metadata as Record<string, unknown> | undefined;
      if (typeof metadata === 'object' && metadata !== null && typeof metadata.encoding === 'string') {
        found.push({ eventId: String(event.eventId), eventType: String(event.eventType), eventTime: String(event.eventTime), path, payload: record });
        return;
      }
      for (const [key, value] of Object.entries(record)) {
        if (key === 'searchAttributes' || key === 'header') continue;
        if (key === 'details' && record.markerName === 'core_patch') continue;
        if (key === 'details' && record.markerName === 'core_local_activity' && typeof value === 'object' && value !== null) {
          const { data: _coreRecord, ...rest } = value as Record<string, unknown>;
          visit(rest, path ? `${path}.${key}` : key);
          continue;
        }
        visit(value, path ? `${path}.${key}` : key);
      }
    };
    visit(event, '');
  }
  return found;
}

/** A stored payload's key id, or `plaintext (<encoding>)` for a payload that is not encrypted. */
export function keyIdOf(payload: JSONPayload): string {
  const text = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');
  const encoding = text(payload.metadata?.encoding ?? undefined);
  return encoding === ENCRYPTED_ENCODING ? text(payload.metadata?.[KEY_ID_METADATA] ?? undefined) : `plaintext (${encoding})`;
}

/**
 * Every value of a stored history outside its encrypted payloads, by path (array indexes left out): what a reader
 * without the key sees. Plain payloads (search attribute values) are given decoded.
 */
export function plainFields(history: History): Array<{ path: string; value: string }> {
  const found: Array<{ path: string; value: string }> = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((item) => visit(item, path));
    if (typeof node !== 'object' || node === null) return void found.push({ path, value: String(node) });
    const record = node as Record<string, unknown>;
    const metadata = record.metadata as JSONPayload['metadata'];
    if (typeof metadata?.encoding === 'string') {
      const data = typeof record.data === 'string' ? record.data : '';
      if (keyIdOf(record).startsWith('plaintext')) {
        const value: unknown = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
        found.push({ path, value: typeof value === 'string' ? value : JSON.stringify(value) });
      }
      return;
    }
    for (const [key, value] of Object.entries(record)) visit(value, path ? `${path}.${key}` : key);
  };
  for (const event of jsonOf(history).events ?? []) visit(event, '');
  return found;
}

/** A history's JSON with every stored payload decrypted by `keys`: what a client with the codec reads. */
export async function decryptedHistoryJson(history: History, keys: EncryptionKeys): Promise<string> {
  const json = jsonOf(history);
  const codec = new EncryptionCodec(keys);
  for (const { payload } of payloadsIn(json)) {
    const [decoded] = await codec.decode([JSONToPayload(payload)]);
    const plain = payloadToJSON(decoded ?? {});
    delete payload.data;
    Object.assign(payload, plain);
  }
  return JSON.stringify(json);
}

/** The value a stored payload holds, decrypted with `keys` (a JSON payload inside, as Temporal's converter writes it). */
export async function decryptedValue(payload: JSONPayload, keys: EncryptionKeys): Promise<unknown> {
  const [decoded] = await new EncryptionCodec(keys).decode([JSONToPayload(payload)]);
  return JSON.parse(Buffer.from(decoded?.data ?? new Uint8Array()).toString('utf8'));
}

/** Where the encrypted histories replayed by test/replay/replay.test.ts live. */
export const ENCRYPTED_HISTORIES_FOLDER = join(__dirname, '..', 'histories-encrypted');

/**
 * With RECORD_HISTORIES=1, saves a stored history (ciphertext, as `storedHistories` fetched it) as a replay fixture
 * under test/histories-encrypted/. Refuses a history with a payload that is not encrypted with a test key.
 */
export function recordEncryptedHistory(history: History, name: string): void {
  if (!process.env.RECORD_HISTORIES) return;
  const testIds = testKeys().keyIds;
  const foreign = storedPayloads(history).filter(({ payload }) => !testIds.includes(keyIdOf(payload)));
  if (foreign.length > 0) throw new Error(`${name}: ${foreign.length} payloads are not encrypted with a test key (first: ${keyIdOf(foreign[0]!.payload)}).`);
  mkdirSync(ENCRYPTED_HISTORIES_FOLDER, { recursive: true });
  writeFileSync(join(ENCRYPTED_HISTORIES_FOLDER, `${name}.json`), historyToJSON(history));
}

// ── What other readers get: the Temporal CLI, the Web UI's API, queries ──────────────────────────────────────────

const execFileAsync = promisify(execFile);

/** The Temporal CLI's JSON output of `args` (`workflow show -w <id>` …) against `address`. */
export async function temporalCliOutput(address: string, args: readonly string[]): Promise<string> {
  const binary = await resolveTemporalBinary({ allowBuild: false, onProgress: () => undefined });
  const { stdout } = await execFileAsync(binary, [...args, '--address', address, '--namespace', 'default', '--output', 'json'], { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A GET of the Web UI server's API (what the UI's pages fetch), as text; fails on a status other than 200. */
export async function uiApiText(uiUrl: string, path: string): Promise<string> {
  const response = await fetch(`${uiUrl}/api/v1${path}`, { signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

/** What the UI fetches for one run: its description and its history, both ways, every page. */
export async function uiRunTexts(uiUrl: string, workflowId: string, runId: string): Promise<{ describe: string; history: string[]; eventCount: number }> {
  const base = `/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
  const run = `execution.runId=${encodeURIComponent(runId)}`;
  const describe = await uiApiText(uiUrl, `${base}?${run}`);
  const history: string[] = [];
  let eventCount = 0;
  for (const direction of ['history', 'history-reverse']) {
    let token = '';
    do {
      const page = await uiApiText(uiUrl, `${base}/${direction}?${run}&maximumPageSize=100${token ? `&nextPageToken=${encodeURIComponent(token)}` : ''}`);
      history.push(page);
      const parsed = JSON.parse(page) as { history?: { events?: unknown[] }; nextPageToken?: string };
      if (direction === 'history') eventCount += parsed.history?.events?.length ?? 0;
      token = parsed.nextPageToken ?? '';
    } while (token);
  }
  return { describe, history, eventCount };
}

/** A query's answer as the server hands it to a caller without the key: the raw protobuf response. */
export async function rawQueryAnswer(client: Client, workflowId: string, queryType: string): Promise<Buffer> {
  const response = await client.workflowService.queryWorkflow({ namespace: 'default', execution: { workflowId }, query: { queryType } });
  return Buffer.from(temporal.api.workflowservice.v1.QueryWorkflowResponse.encode(response).finish());
}
