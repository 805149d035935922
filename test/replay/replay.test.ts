import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { dataConverterFor } from '../../src/codec/data-converter';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { parseKeyList } from '../../src/codec/encryption-keys';
import { ENCRYPTED_HISTORIES_FOLDER, keyIdOf, storedPayloads, TEST_KEY_FILE, testKeyList } from '../helpers/encryption';
import { installQuietRuntime, testWorkflowBundlePath } from '../helpers/temporal';

installQuietRuntime();

function readHistory(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
}

/** Histories of the production workflows (`agentWorkflow`), replayed against the bundle a worker runs. */
const historiesFolder = join(__dirname, '..', 'histories');
const recorded = readdirSync(historiesFolder)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ workflowId: name.replace(/\.json$/, ''), history: readHistory(join(historiesFolder, name)) }));

/** The smoke fixture's history: its workflow is a test fixture, so it is replayed against the fixture. */
const smokeHistory = readHistory(join(__dirname, '..', 'fixtures', 'histories', 'smoke.json'));

/** Replays every committed history against the current workflow code: a determinism break fails CI. */
describe('replay of recorded histories', () => {
  it('has histories to replay', () => {
    expect(recorded.length).toBeGreaterThan(0);
  });

  it('replays every recorded history without a determinism violation', async () => {
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: testWorkflowBundlePath() } }, recorded)) {
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
  });

  it('replays the smoke history against the workflow that recorded it', async () => {
    await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../fixtures/smoke-workflow') }, smokeHistory)).resolves.toBeUndefined();
  });

  it('detects a non-deterministic change (the check can fail)', async () => {
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../fixtures/changed-smoke-workflow') }, smokeHistory),
    ).rejects.toThrow(/nondetermin/i);
  });
});

/**
 * Histories recorded with payload encryption on (test/histories-encrypted/, written by the encryption tests with
 * RECORD_HISTORIES=1): ciphertext, as the server stores it, under the TEST-ONLY keys of the test key file.
 */
const encryptedRecorded = readdirSync(ENCRYPTED_HISTORIES_FOLDER)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ workflowId: name.replace(/\.json$/, ''), history: readHistory(join(ENCRYPTED_HISTORIES_FOLDER, name)) }));

/**
 * Replays with `dataConverter` (none: Temporal's default, no codec); the outcome of each history, by name. A replay
 * that fails on a payload says why in its error only when failures are not encoded: `dataConverterFor` encodes them.
 */
async function replayOutcomes(dataConverter: DataConverter | undefined): Promise<Array<{ workflowId: string; error?: string }>> {
  const outcomes: Array<{ workflowId: string; error?: string }> = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: testWorkflowBundlePath() }, ...(dataConverter ? { dataConverter } : {}) }, encryptedRecorded)) {
    outcomes.push({ workflowId: result.workflowId, ...(result.error ? { error: String(result.error) } : {}) });
  }
  return outcomes.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
}

describe('replay of encrypted histories', () => {
  it('has encrypted histories whose every payload is ciphertext (search attributes aside)', () => {
    expect(encryptedRecorded.map((recorded) => recorded.workflowId).sort()).toEqual(['agent-encrypted-rotation', 'agent-encrypted-session', 'agent-encrypted-tools']);
    for (const { workflowId, history } of encryptedRecorded) {
      const keyIds = new Set(storedPayloads(history).map(({ payload }) => keyIdOf(payload)));
      expect({ workflowId, keyIds: [...keyIds].sort() }).toEqual({ workflowId, keyIds: workflowId === 'agent-encrypted-rotation' ? ['test-k1', 'test-k2'] : ['test-k1'] });
    }
  });

  it('replays every encrypted history with the keys of the test key file', async () => {
    const keys = parseKeyList(readFileSync(TEST_KEY_FILE, 'utf8'), TEST_KEY_FILE);
    const names = encryptedRecorded.map(({ workflowId }) => ({ workflowId })).sort((a, b) => a.workflowId.localeCompare(b.workflowId));
    expect(await replayOutcomes(dataConverterFor(keys))).toEqual(names);
  });

  it('fails without the keys, and with test-k2 alone names the missing test-k1 (the check can fail)', async () => {
    const failures = (outcomes: Array<{ workflowId: string; error?: string }>) => outcomes.map(({ workflowId, error }) => ({ workflowId, error: error ?? 'replayed' }));
    const expected = (error: unknown) => [...encryptedRecorded].sort((a, b) => a.workflowId.localeCompare(b.workflowId)).map(({ workflowId }) => ({ workflowId, error }));
    expect(failures(await replayOutcomes(undefined))).toEqual(expected(expect.stringMatching(/Unknown encoding: binary\/encrypted/)));
    const k2Alone = parseKeyList(testKeyList('test-k2'), 'test-k2 alone');
    // With the process's own converter, failures are encoded: the replay fails, but its error says only "Encoded failure".
    expect(failures(await replayOutcomes(dataConverterFor(k2Alone)))).toEqual(expected(expect.stringContaining('Encoded failure')));
    // With the codec alone, the replay error carries the codec's message, naming the missing key.
    const codecOnly = { payloadCodecs: [new EncryptionCodec(k2Alone)] };
    expect(failures(await replayOutcomes(codecOnly))).toEqual(expected(expect.stringContaining('a payload is encrypted with the key \\"test-k1\\", which this process does not have')));
  });
});
