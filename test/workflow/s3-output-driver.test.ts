import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ExternalStorage, StorageDriverClaim } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { KEY_ID_METADATA } from '../../src/codec/encryption-codec';
import { parseKeyList } from '../../src/codec/encryption-keys';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import { outputHandle } from '../../src/outputs/output-keys';
import { OutputStore } from '../../src/outputs/output-store';
import { PayloadStorageDriver } from '../../src/outputs/payload-storage-driver';
import { pruneOutputs } from '../../src/outputs/prune-outputs';
import { S3OutputDriver } from '../../src/outputs/s3-output-driver';
import { toolMessagesByCallId, withAgent } from '../helpers/agent';
import { createLargeOutputTool, largeText } from '../helpers/large-output-tool';
import { startS3Server, type S3TestServer } from '../helpers/s3-server';

const BUCKET = 'durable-agent-test';
const KEYS = parseKeyList(`k1:${randomBytes(32).toString('base64')}`, 'test');
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test-access-key', AWS_SECRET_ACCESS_KEY: 'test-secret-key' };

/** The S3 driver against a real S3-compatible server (gofakes3, or DURABLE_AGENT_TEST_S3_ENDPOINT). */
describe('S3OutputDriver against an S3-compatible server', () => {
  jest.setTimeout(120_000);
  let server: S3TestServer;
  let prefix: string;
  const saved: Record<string, string | undefined> = {};
  const driver = () => new S3OutputDriver({ bucket: BUCKET, prefix, region: 'us-east-1', endpoint: server.endpoint });

  beforeAll(async () => {
    // The driver finds its credentials as it would in production: through the SDK's chain, from the environment.
    for (const [name, value] of Object.entries(CREDENTIALS)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    server = await startS3Server();
    const s3 = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((error: { name?: string }) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    });
    s3.destroy();
  });
  afterAll(async () => {
    await server?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  beforeEach(() => {
    // Each test under its own prefix: a server given from outside may keep objects between runs.
    prefix = `run-${randomBytes(4).toString('hex')}/`;
  });

  it('writes, reads, lists (past one page) and deletes by prefix', async () => {
    const s3 = driver();
    await s3.put('ns/run-1/calls/a-1', new Uint8Array([1, 2, 3]));
    expect(Buffer.from((await s3.get('ns/run-1/calls/a-1')) ?? [])).toEqual(Buffer.from([1, 2, 3]));
    expect(await s3.get('ns/run-1/calls/none')).toBeUndefined();
    // 1,100 blobs: more than one page of ListObjectsV2 and one DeleteObjects batch (1,000 each).
    await Promise.all(Array.from({ length: 1_100 }, (_, index) => s3.put(`ns/run-2/calls/c${String(index).padStart(4, '0')}`, new Uint8Array([index % 256]))));
    const listed = await s3.list('ns/run-2/');
    expect(listed).toHaveLength(1_100);
    expect(listed[0]).toMatchObject({ key: 'ns/run-2/calls/c0000', bytes: 1, modifiedAt: expect.any(Date) });
    expect(await s3.delete('ns/run-2/')).toBe(1_100);
    expect(await s3.list('ns/run-2/')).toEqual([]);
    expect((await s3.list('ns/')).map((blob) => blob.key)).toEqual(['ns/run-1/calls/a-1']);
  });

  it('keeps encrypted outputs: the object holds no plaintext and names its key; read back whole and pruned with its run', async () => {
    const store = new OutputStore(driver(), { keys: KEYS });
    const text = largeText(2, 5 * 1_048_576);
    const location = { namespace: 'default', workflowId: 'run-s3', taskId: 's1-1', attempt: 1 };
    const { ref } = await store.save(location, text);
    expect(ref.handle).toBe(outputHandle(location));
    const s3 = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true });
    const listed = await driver().list('default/run-s3/');
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}${listed[0]?.key ?? ''}` }));
    const raw = Buffer.from(await object.Body?.transformToByteArray() ?? []);
    s3.destroy();
    expect(raw.toString('latin1')).not.toContain('output 2 line');
    expect(Buffer.from(temporal.api.common.v1.Payload.decode(raw).metadata?.[KEY_ID_METADATA] ?? []).toString()).toBe('k1');
    expect((await new OutputStore(driver(), { keys: KEYS }).read(location))?.bytes.toString()).toBe(text);
    const report = await pruneOutputs(store, 'default', async () => ({ open: false, closedAt: new Date(0) }), { olderThanMs: 86_400_000 });
    expect(report.deleted).toEqual([expect.objectContaining({ workflowId: 'run-s3', blobs: 1 })]);
    expect(await store.read(location)).toBeUndefined();
  });

  it("serves Temporal's external storage: a payload stored under its run and read back; a missing one is OutputExpired", async () => {
    const payloads = new PayloadStorageDriver(driver());
    const payload = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify('x'.repeat(300_000))) };
    const [claim] = await payloads.store({ target: { kind: 'workflow', namespace: 'default', id: 'run-ext' } }, [payload]);
    expect(claim?.claimData.key).toMatch(/^default\/run-ext\/payloads\/[0-9a-f]{64}$/);
    const [retrieved] = await payloads.retrieve({}, [claim as StorageDriverClaim]);
    expect(Buffer.from(retrieved?.data ?? []).equals(Buffer.from(payload.data))).toBe(true);
    expect(Buffer.from(retrieved?.metadata?.encoding ?? []).toString()).toBe('json/plain');
    await expect(payloads.retrieve({}, [new StorageDriverClaim({ key: 'default/run-ext/payloads/none' })])).rejects.toMatchObject({ type: ERROR_TYPES.outputExpired, nonRetryable: true });
    // The SDK accepts it as a driver.
    expect(new ExternalStorage({ drivers: [payloads] }).getDriver('durable-agent-outputs')).toBe(payloads);
  });

  it('a run on a worker whose store is S3: outputs go to the bucket and read_output reads them back', async () => {
    const workflowId = `s3-run-${randomBytes(4).toString('hex')}`;
    const handle = outputHandle({ workflowId, taskId: 's1-2', attempt: 1 });
    const script = {
      turns: [
        { toolCalls: [0, 1].map((index) => ({ name: 'large_output', arguments: { index, bytes: 1_048_576 } })) },
        { toolCalls: [{ id: 'slice', name: 'read_output', arguments: { handle, offset: 500_000, length: 1_000 } }] },
        { content: 'Done.' },
      ],
    };
    const store = new OutputStore(driver(), { keys: KEYS });
    await withAgent(
      script,
      [createLargeOutputTool()],
      async ({ run }) => {
        const { handle: run1, result } = await run({ goal: 'large outputs in S3' }, workflowId);
        expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 3, failed: 0 } });
        const slice = JSON.parse((await toolMessagesByCallId(run1)).get('slice') ?? '{}') as { text: string };
        expect(slice.text).toBe(largeText(1, 501_000).slice(500_000));
      },
      { outputs: store },
    );
    expect((await store.runs('default')).find((entry) => entry.workflowId === workflowId)).toMatchObject({ blobs: 2 });
  });
});
