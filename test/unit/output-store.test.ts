import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { KEY_ID_METADATA, PayloadDecryptionError } from '../../src/codec/encryption-codec';
import { parseKeyList } from '../../src/codec/encryption-keys';
import { keepOutput } from '../../src/activities/tool-activities';
import { loadOutputStoreConfig } from '../../src/config/output-config';
import { ConfigurationError } from '../../src/config/parse-environment';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import { FsOutputDriver } from '../../src/outputs/fs-output-driver';
import { keyPart, outputHandle, outputKey, parseOutputHandle, readKeyPart, runTag, workflowIdOfKey } from '../../src/outputs/output-keys';
import { OutputReadError, readSlice, searchOutput, SEARCH_TIMEOUT_MS } from '../../src/outputs/output-reading';
import { OutputStore } from '../../src/outputs/output-store';
import { pruneOutputs, type RunEnd } from '../../src/outputs/prune-outputs';
import { createReadOutputTool } from '../../src/tools/builtin/read-output';
import { largeText, LARGE_LINE_BYTES } from '../helpers/large-output-tool';
import { callTool, directToolContext } from '../helpers/tool-context';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const quiet = { info: () => undefined, warn: () => undefined };
const at = (workflowId: string, taskId = 's1-1', attempt = 1) => ({ namespace: 'default', workflowId, taskId, attempt });

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'outputs-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

/** Every file under a folder, as paths relative to it. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1));
}

describe('keys and handles', () => {
  it('encodes every part so no key climbs out of its folder, and reads a long workflow id back', () => {
    expect(keyPart('../x/~.y')).toBe('%2E%2E%2Fx%2F%7E%2Ey');
    const long = `é/..${'id-'.repeat(400)}`;
    const key = outputKey(at(long, 's2-1.fetch'));
    expect(key.split('/').every((segment) => segment.length <= 201 && segment !== '..' && segment !== '.')).toBe(true);
    expect(workflowIdOfKey('default', key)).toBe(long);
    expect(readKeyPart(keyPart(long).split('/'), 0)).toEqual({ value: long, next: keyPart(long).split('/').length });
    expect(workflowIdOfKey('other', key)).toBeUndefined();
  });

  it('makes handles that name the call and tell runs apart', () => {
    const handle = outputHandle(at('run-a', 's2-1.fetch_a', 3));
    expect(handle).toBe(`out_s2-1.fetch_a_3_${runTag('run-a')}`);
    expect(parseOutputHandle(handle)).toEqual({ taskId: 's2-1.fetch_a', attempt: 3, tag: runTag('run-a') });
    expect(runTag('run-a')).not.toBe(runTag('run-b'));
    for (const bad of ['out_s1-1_1', 'out_../x_1_abcdef12', 'file_s1-1_1_abcdef12', `out_s1-1_0_${runTag('a')}`]) expect(parseOutputHandle(bad)).toBeUndefined();
  });
});

describe('FsOutputDriver', () => {
  it('writes, reads, lists and deletes by prefix; ignores half-written files', async () => {
    const driver = new FsOutputDriver(folder);
    await driver.put('ns/run-1/calls/a-1', new Uint8Array([1, 2, 3]));
    await driver.put('ns/run-1/payloads/p', new Uint8Array([4]));
    await driver.put('ns/run-2/calls/a-1', new Uint8Array([5, 6]));
    writeFileSync(join(folder, 'ns', 'run-2', 'calls', '.partial-0000'), 'half');
    expect(Buffer.from((await driver.get('ns/run-1/calls/a-1')) ?? [])).toEqual(Buffer.from([1, 2, 3]));
    expect(await driver.get('ns/run-1/calls/none')).toBeUndefined();
    expect((await driver.list('ns/')).map((blob) => [blob.key, blob.bytes])).toEqual([
      ['ns/run-1/calls/a-1', 3],
      ['ns/run-1/payloads/p', 1],
      ['ns/run-2/calls/a-1', 2],
    ]);
    expect(await driver.delete('ns/run-1/')).toBe(2);
    expect((await driver.list('ns/')).map((blob) => blob.key)).toEqual(['ns/run-2/calls/a-1']);
    expect(await driver.list('elsewhere/')).toEqual([]);
  });
});

describe('OutputStore', () => {
  it('stores a string as it is and a value as indented JSON, and reads them back', async () => {
    const store = new OutputStore(new FsOutputDriver(folder));
    const saved = await store.save(at('run-1', 's1-1'), 'plain text');
    expect(saved.ref).toEqual({ handle: outputHandle(at('run-1', 's1-1')), bytes: 10, kind: 'string' });
    const value = { rows: [1, 2] };
    const object = await store.save(at('run-1', 's1-2'), value);
    expect(object.ref.kind).toBe('object');
    expect((await store.read(at('run-1', 's1-2')))?.bytes.toString()).toBe(JSON.stringify(value, null, 2));
    expect(await store.read(at('run-1', 's1-3'))).toBeUndefined();
  });

  it('with keys, seals each blob with the active key (named in it) and opens it with any listed key', async () => {
    const secret = 'the customer card ends in 4242';
    const store = new OutputStore(new FsOutputDriver(folder), { keys: parseKeyList(`k1:${K1}`, 'test') });
    await store.save(at('run-1'), `${secret} `.repeat(1_000));
    const [file] = filesUnder(folder);
    const raw = readFileSync(join(folder, file as string));
    expect(raw.toString('latin1')).not.toContain('customer card');
    const sealed = temporal.api.common.v1.Payload.decode(raw);
    expect(Buffer.from(sealed.metadata?.[KEY_ID_METADATA] ?? []).toString()).toBe('k1');
    const rotated = new OutputStore(new FsOutputDriver(folder), { keys: parseKeyList(`k2:${K2},k1:${K1}`, 'test') });
    expect((await rotated.read(at('run-1')))?.bytes.toString()).toContain(secret);
    // Without k1, or without keys at all, the blob is refused with the key it needs.
    const stranger = new OutputStore(new FsOutputDriver(folder), { keys: parseKeyList(`k2:${K2}`, 'test') });
    await expect(stranger.read(at('run-1'))).rejects.toThrow(PayloadDecryptionError);
    await expect(stranger.read(at('run-1'))).rejects.toThrow(/encrypted with the key "k1"/);
    await expect(new OutputStore(new FsOutputDriver(folder)).read(at('run-1'))).rejects.toThrow(/encrypted with the key "k1", and this process has no keys/);
    // A plain blob is refused by a store with keys, as a plain payload is by the codec.
    await new OutputStore(new FsOutputDriver(folder)).save(at('run-2'), 'plain');
    await expect(store.read(at('run-2'))).rejects.toThrow(/not encrypted/);
  });

  it('opens a blob once while it is read page by page', async () => {
    const driver = new FsOutputDriver(folder);
    const get = jest.spyOn(driver, 'get');
    const store = new OutputStore(driver, { keys: parseKeyList(`k1:${K1}`, 'test') });
    await store.save(at('run-1'), 'x'.repeat(1_000));
    for (let page = 0; page < 5; page += 1) await store.read(at('run-1'));
    expect(get).toHaveBeenCalledTimes(1);
    // Deleting the run forgets what was cached.
    expect(await store.deleteRun('default', 'run-1')).toBe(1);
    expect(await store.read(at('run-1'))).toBeUndefined();
  });
});

describe('keepOutput (the tool activity)', () => {
  const store = () => new OutputStore(new FsOutputDriver(folder), { thresholdBytes: 131_072 });

  it('keeps a small output in history as it is', async () => {
    expect(await keepOutput({ a: 1 }, 262_144, store(), at('run-1'), quiet)).toEqual({ output: { a: 1 }, historyBytes: 7 });
  });

  it('stores an output above the threshold whole; history gets a bounded preview and the reference', async () => {
    const outputs = store();
    const text = largeText(0, 5 * 1_048_576);
    const kept = await keepOutput(text, 262_144, outputs, at('run-1', 's1-7'), quiet);
    expect(kept.outputRef).toEqual({ handle: outputHandle(at('run-1', 's1-7')), bytes: text.length, kind: 'string' });
    expect(kept).toMatchObject({ outputBytes: text.length, outputKind: 'string' });
    expect(kept.historyBytes).toBeLessThan(4_096 + 200);
    expect(String(kept.output)).toMatch(/^output 0 line 1:/);
    expect(String(kept.output)).toMatch(/bytes omitted/);
    expect((await outputs.read(at('run-1', 's1-7')))?.bytes.toString()).toBe(text);
  });

  it('stores an output under the threshold that would still be cut (a crowded step), so nothing is lost', async () => {
    const kept = await keepOutput('y'.repeat(10_000), 2_048, store(), at('run-1'), quiet);
    expect(kept.outputRef?.bytes).toBe(10_000);
    expect(kept.historyBytes).toBeLessThanOrEqual(2_048);
  });

  it('cuts instead when there is no store, or when storing fails (and says why in the log)', async () => {
    expect((await keepOutput('z'.repeat(300_000), 262_144, undefined, at('run-1'), quiet)).outputRef).toBeUndefined();
    const failing = store();
    jest.spyOn(failing.driver, 'put').mockRejectedValue(new Error('disk full'));
    const warn = jest.fn();
    const kept = await keepOutput('z'.repeat(300_000), 262_144, failing, at('run-1'), { info: () => undefined, warn });
    expect(kept.outputRef).toBeUndefined();
    expect(kept.outputBytes).toBe(300_000);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not store'), expect.objectContaining({ error: 'disk full' }));
  });
});

describe('reading a stored text', () => {
  const text = Buffer.from(largeText(3, 5 * 1_048_576));

  it('reads a slice, never splitting a character', () => {
    expect(readSlice(text, 640, 64)).toEqual({ offset: 640, bytes: 64, text: largeText(3, 704).slice(640), nextOffset: 704 });
    const accents = Buffer.from('aéé');
    expect(readSlice(accents, 2, 2)).toEqual({ offset: 3, bytes: 2, text: 'é' });
    expect(() => readSlice(text, text.length, 10)).toThrow(OutputReadError);
  });

  it('finds lines by text or pattern, with their numbers and byte offsets, bounded', () => {
    const found = searchOutput(text, { pattern: 'output 3 line 40000:', regex: false, ignoreCase: false, from: 0, maxMatches: 20 });
    // The offset is the match's own (line 40,000 starts at 39,999 × 64); the text is its whole line.
    expect(found).toEqual({ matches: [{ line: 40_000, offset: 39_999 * LARGE_LINE_BYTES, text: expect.stringMatching(/^output 3 line 40000:\.+$/) }], more: false });
    const paged = searchOutput(text, { pattern: 'LINE 5000\\d:', regex: true, ignoreCase: true, from: 0, maxMatches: 3 });
    expect(paged.matches.map((match) => match.line)).toEqual([50_000, 50_001, 50_002]);
    // The fourth match, where the next page starts: "line 50003:" in line 50,003, 9 bytes ("output 3 ") into it.
    expect(paged).toMatchObject({ more: true, nextOffset: 50_002 * LARGE_LINE_BYTES + 9 });
    const next = searchOutput(text, { pattern: 'line 5000\\d:', regex: true, ignoreCase: false, from: paged.nextOffset ?? 0, maxMatches: 100 });
    expect(next.matches.map((match) => match.line)).toEqual([50_003, 50_004, 50_005, 50_006, 50_007, 50_008, 50_009]);
  });

  it('stops a pattern that backtracks forever, and names a bad one', () => {
    const started = Date.now();
    expect(() => searchOutput(Buffer.from(`${'a'.repeat(40)}!`), { pattern: '^(a+)+$', regex: true, ignoreCase: false, from: 0, maxMatches: 1 })).toThrow(/ran past 2000 ms/);
    expect(Date.now() - started).toBeLessThan(SEARCH_TIMEOUT_MS + 1_500);
    expect(() => searchOutput(text, { pattern: '(', regex: true, ignoreCase: false, from: 0, maxMatches: 1 })).toThrow(/invalid regular expression/);
  });
});

describe('read_output', () => {
  it("reads and searches its own run's outputs; refuses another run's handle and a text that is no handle", async () => {
    const store = new OutputStore(new FsOutputDriver(folder), { keys: parseKeyList(`k1:${K1}`, 'test') });
    const { ref } = await store.save(at('run-1', 's1-4'), largeText(4, 1_000_000));
    const tool = createReadOutputTool({ outputs: store });
    const mine = directToolContext({ workflowId: 'run-1', namespace: 'default' });
    expect(await callTool(tool, { handle: ref.handle, offset: 6_400, length: 64 }, mine)).toEqual({
      ok: true,
      output: { handle: ref.handle, kind: 'string', totalBytes: 1_000_000, offset: 6_400, bytes: 64, text: largeText(4, 6_464).slice(6_400), nextOffset: 6_464 },
    });
    expect(await callTool(tool, { handle: ref.handle, search: 'line 777:' }, mine)).toMatchObject({ ok: true, output: { matches: [{ line: 777, offset: 776 * 64 + 'output 4 '.length }] } });
    const theirs = await callTool(tool, { handle: ref.handle }, directToolContext({ workflowId: 'run-2' }));
    expect(theirs).toMatchObject({ ok: false, error: { name: 'ToolError', message: expect.stringContaining('belongs to another run') } });
    expect(await callTool(tool, { handle: 'README.md' }, mine)).toMatchObject({ ok: false, error: { name: 'ToolError', message: expect.stringContaining('is not a handle') } });
    expect(await callTool(tool, { handle: ref.handle, length: 70_000 }, mine)).toMatchObject({ ok: false });
  });

  it('says OutputExpired, not retried, when the blob is gone', async () => {
    const store = new OutputStore(new FsOutputDriver(folder));
    const { ref } = await store.save(at('run-1', 's1-4'), 'x'.repeat(200_000));
    await store.deleteRun('default', 'run-1');
    const outcome = await callTool(createReadOutputTool({ outputs: store }), { handle: ref.handle }, directToolContext({ workflowId: 'run-1' }));
    expect(outcome).toMatchObject({ ok: false, error: { type: ERROR_TYPES.outputExpired, nonRetryable: true, message: expect.stringContaining(`the stored output ${ref.handle} is gone`) } });
  });
});

describe('pruneOutputs', () => {
  it('deletes the blobs of runs that ended before the window; keeps open and recent runs; trusts no unknown run with fresh blobs', async () => {
    const store = new OutputStore(new FsOutputDriver(folder));
    for (const run of ['open', 'old', 'recent', 'forgotten', 'unknown-fresh']) await store.save(at(run), 'x'.repeat(1_000));
    // The forgotten run's blob was written 40 days ago.
    const forgotten = filesUnder(folder).find((file) => file.includes('forgotten')) as string;
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    utimesSync(join(folder, forgotten), longAgo, longAgo);
    const ends: Record<string, RunEnd> = {
      open: { open: true },
      old: { open: false, closedAt: new Date(Date.now() - 31 * 86_400_000) },
      recent: { open: false, closedAt: new Date(Date.now() - 86_400_000) },
    };
    const runEnd = async (workflowId: string) => ends[workflowId];
    const options = { olderThanMs: 30 * 86_400_000 };
    const dry = await pruneOutputs(store, 'default', runEnd, { ...options, dryRun: true });
    expect(dry.deleted.map((run) => run.workflowId).sort()).toEqual(['forgotten', 'old']);
    expect(filesUnder(folder)).toHaveLength(5);
    const report = await pruneOutputs(store, 'default', runEnd, options);
    expect(report).toMatchObject({ open: 1, recent: 2 });
    expect(report.deleted.map((run) => [run.workflowId, run.known, run.blobs]).sort()).toEqual([
      ['forgotten', false, 1],
      ['old', true, 1],
    ]);
    expect((await store.runs('default')).map((run) => run.workflowId).sort()).toEqual(['open', 'recent', 'unknown-fresh']);
  });
});

describe('output store configuration', () => {
  it('defaults to a folder under the working directory, a 128 KB threshold, no external payloads', () => {
    expect(loadOutputStoreConfig({}, '/srv/agent')).toEqual({ kind: 'fs', folder: '/srv/agent/.durable-agent/outputs', thresholdBytes: 131_072, externalPayloads: false });
  });

  it('reads S3 from the standard AWS variables, path style with an endpoint', () => {
    const env = { DURABLE_AGENT_OUTPUT_STORE: 's3', DURABLE_AGENT_OUTPUT_S3_BUCKET: 'agent-outputs', DURABLE_AGENT_OUTPUT_S3_PREFIX: 'prod', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-1' };
    expect(loadOutputStoreConfig(env)).toEqual({ kind: 's3', bucket: 'agent-outputs', prefix: 'prod/', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, thresholdBytes: 131_072, externalPayloads: false });
  });

  it('refuses bad values with the variable, what was expected and what came', () => {
    expect(() => loadOutputStoreConfig({ DURABLE_AGENT_OUTPUT_STORE: 'disk' })).toThrow(/DURABLE_AGENT_OUTPUT_STORE: expected fs, s3 or none, got `disk`/);
    expect(() => loadOutputStoreConfig({ DURABLE_AGENT_OUTPUT_THRESHOLD_BYTES: '12' })).toThrow(/DURABLE_AGENT_OUTPUT_THRESHOLD_BYTES: expected an integer of at least 1024, got `12`/);
    expect(() => loadOutputStoreConfig({ DURABLE_AGENT_OUTPUT_STORE: 's3' })).toThrow(ConfigurationError);
    expect(() => loadOutputStoreConfig({ DURABLE_AGENT_OUTPUT_STORE: 's3' })).toThrow(/DURABLE_AGENT_OUTPUT_S3_BUCKET: expected a bucket name/);
    expect(() => loadOutputStoreConfig({ DURABLE_AGENT_OUTPUT_STORE: 'none', DURABLE_AGENT_EXTERNAL_PAYLOADS: 'true' })).toThrow(/DURABLE_AGENT_EXTERNAL_PAYLOADS: payloads can only go to a store/);
    expect(() => loadOutputStoreConfig({ DURABLE_AGENT_EXTERNAL_PAYLOADS: 'yes' })).toThrow(/DURABLE_AGENT_EXTERNAL_PAYLOADS: expected true or false/);
  });
});
