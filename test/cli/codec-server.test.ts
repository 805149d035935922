import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { parseKeyList } from '../../src/codec/encryption-keys';
import { startCodecServer, type CodecServer } from '../../src/codec-server/codec-server';
import { payloadsToJson } from '../../src/codec-server/payloads-json';
import { connectClient } from '../../src/config/connect';
import { ConfigurationError, loadTemporalConfig } from '../../src/config/temporal-config';
import { resolveTemporalBinary } from '../../src/temporal-server/temporal-binary';
import { runCli, startCli, waitForOutput } from '../helpers/cli';
import { uniqueTaskQueue } from '../helpers/temporal';

const newKey = () => randomBytes(32).toString('base64');
const OLD_KEY = `k1:${newKey()}`;
const ACTIVE_KEY = `k2:${newKey()}`;
const UI = 'http://ui.test:8233';
const TOKEN = 'codec-test-token-0123456789';
const SECRET = 'the customer card ends in 4242';
const text = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

/** Payloads as the UI and the `temporal` CLI send them: protobuf JSON, bytes in base64. */
function plainPayloads(): Array<{ metadata: Record<string, string>; data?: string }> {
  const json = (value: unknown) => ({ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify(value)).toString('base64') });
  return [json({ goal: SECRET }), json('x'.repeat(2_000)), { metadata: { encoding: Buffer.from('binary/null').toString('base64') } }];
}

async function post(server: CodecServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { payloads?: Array<{ metadata: Record<string, string>; data?: string }>; error?: string } };
}

/** A payload of the protocol's JSON, as the SDK holds it. */
function payloadOf(payload: { metadata: Record<string, string>; data?: string }): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata).map(([key, value]) => [key, new Uint8Array(Buffer.from(value, 'base64'))])),
    data: new Uint8Array(Buffer.from(payload.data ?? '', 'base64')),
  };
}


const corsHeadersOf = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));

/** Temporal's codec server protocol over the payload keys (docs/codec-server.md), in process. */
describe('the codec server (startCodecServer)', () => {
  let server: CodecServer;
  const logged: string[] = [];

  beforeAll(async () => {
    const keys = parseKeyList(`${ACTIVE_KEY},${OLD_KEY}`, 'test keys');
    server = await startCodecServer({ keys, token: TOKEN, port: 0, uiOrigins: [`${UI}/`], maxBodyBytes: 16 * 1024, maxPayloads: 5, log: (line) => logged.push(line) });
  });
  afterAll(() => server?.close());

  it('encodes with the active key and decodes back to the same payloads, bearer token or path token', async () => {
    expect(server.endpoint).toBe(`${server.url}/${TOKEN}`);
    const original = plainPayloads();
    const encoded = await post(server, '/encode', { payloads: original }, { authorization: `Bearer ${TOKEN}` });
    expect(encoded.status).toBe(200);
    expect(encoded.body.payloads).toHaveLength(3);
    for (const payload of encoded.body.payloads ?? []) {
      expect(text(payload.metadata.encoding ?? '')).toBe('binary/encrypted');
      expect(text(payload.metadata['encryption-key-id'] ?? '')).toBe('k2');
      expect(text(payload.data ?? '')).not.toContain('customer card');
    }
    // The UI's form: the token is the endpoint's path, and a query string (newer UIs add one) is ignored.
    const decoded = await post(server, `/${TOKEN}/decode?preserveStorageRefs=true`, encoded.body, { 'x-namespace': 'default' });
    expect(decoded).toMatchObject({ status: 200, body: { payloads: original } });
    expect(decoded.headers.get('cache-control')).toBe('no-store');
  });

  it('decodes what the library encrypted with a key that is no longer active, and passes plain payloads through', async () => {
    const sealed = await new EncryptionCodec(parseKeyList(OLD_KEY, 'test keys')).encode([defaultPayloadConverter.toPayload({ goal: SECRET })]);
    const plain = defaultPayloadConverter.toPayload('search attributes and older runs are plain');
    const decoded = await post(server, `/${TOKEN}/decode`, payloadsToJson([...sealed, plain]));
    expect(decoded.status).toBe(200);
    const values = (decoded.body.payloads ?? []).map((payload) => defaultPayloadConverter.fromPayload(payloadOf(payload)));
    expect(values).toEqual([{ goal: SECRET }, 'search attributes and older runs are plain']);
  });

  it('answers the UI origin’s preflight and calls with CORS headers, and refuses any other origin without them', async () => {
    const preflight = await fetch(`${server.endpoint}/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace', 'access-control-request-private-network': 'true' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Content-Type.*X-Namespace/);
    expect(preflight.headers.get('access-control-allow-private-network')).toBe('true');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const call = await post(server, `/${TOKEN}/decode`, { payloads: [] }, { origin: UI });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe(UI);
    expect(call.headers.get('vary')).toBe('Origin');

    for (const origin of ['http://evil.test', 'http://ui.test:8234', 'https://ui.test:8233', 'null']) {
      const refusedPreflight = await fetch(`${server.endpoint}/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      expect(refusedPreflight.status).toBe(403);
      expect(corsHeadersOf(refusedPreflight.headers)).toEqual([]);
      const refused = await post(server, `/${TOKEN}/decode`, { payloads: plainPayloads() }, { origin });
      expect(refused.status).toBe(403);
      expect(refused.body.payloads).toBeUndefined();
      expect(corsHeadersOf(refused.headers)).toEqual([]);
    }
  });

  it('refuses a request without the token or with a wrong one (401)', async () => {
    const body = { payloads: plainPayloads() };
    const attempts = [
      post(server, '/decode', body),
      post(server, '/encode', body),
      post(server, '/decode', body, { authorization: `Bearer ${TOKEN}x` }),
      post(server, '/decode', body, { authorization: TOKEN }),
      post(server, `/${TOKEN.slice(0, -1)}/decode`, body),
      post(server, `/${TOKEN}/extra/decode`, body),
      post(server, `/${TOKEN}x/encode`, body, { origin: UI }),
    ];
    for (const refused of await Promise.all(attempts)) {
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(refused.body.error).toMatch(/Unauthorized/);
      expect(refused.body.payloads).toBeUndefined();
    }
    // The scheme's name is case-insensitive; a right token in the header opens any path.
    expect((await post(server, '/decode', body, { authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it('refuses a body or a payload count beyond the bounds (413), bad JSON and shapes (400), other paths (404) and methods (405)', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const large = await post(server, '/encode', { payloads: [{ metadata: {}, data: Buffer.alloc(17 * 1024).toString('base64') }] }, auth);
    expect(large.status).toBe(413);
    expect(large.body.error).toContain('larger than 16384 bytes');
    // Sent in chunks, with no Content-Length to refuse it by: reading stops at the bound.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 20; index++) controller.enqueue(new TextEncoder().encode(index === 0 ? '{"payloads": [{"data": "' : 'A'.repeat(1024)));
        controller.close();
      },
    });
    const streamed = await fetch(`${server.url}/encode`, { method: 'POST', headers: auth, body: chunks, duplex: 'half' });
    expect(streamed.status).toBe(413);
    const many = await post(server, '/encode', { payloads: [...plainPayloads(), ...plainPayloads()] }, auth);
    expect(many).toMatchObject({ status: 413, body: { error: 'Too many payloads: 6, at most 5 per request.' } });
    expect(await post(server, '/decode', '{"payloads": [', auth)).toMatchObject({ status: 400, body: { error: expect.stringContaining('not JSON') } });
    expect(await post(server, '/decode', { payloads: [{ data: 5 }] }, auth)).toMatchObject({ status: 400, body: { error: expect.stringContaining('payloads.0.data') } });
    expect(await post(server, '/decode', { payloads: [{ data: 'not base64!' }] }, auth)).toMatchObject({ status: 400, body: { error: expect.stringContaining('expected base64') } });
    expect(await post(server, '/decode', { payload: [] }, auth)).toMatchObject({ status: 400 });
    expect((await post(server, `/${TOKEN}/download`, { payloads: [] })).status).toBe(404);
    const get = await fetch(`${server.endpoint}/decode`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('answers a payload of a key it lacks with a 400 naming that key, logs it, and keeps serving', async () => {
    const sealed = await new EncryptionCodec(parseKeyList(`retired-2025:${newKey()}`, 'test keys')).encode([defaultPayloadConverter.toPayload(SECRET)]);
    const refused = await post(server, `/${TOKEN}/decode`, payloadsToJson(sealed), { origin: UI });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/^Cannot decode: a payload is encrypted with the key "retired-2025", which this process does not have \(it has "k2", "k1"/);
    expect(refused.body.error).not.toContain(SECRET);
    expect(refused.headers.get('access-control-allow-origin')).toBe(UI);
    expect(logged.some((line) => line.includes('"retired-2025"'))).toBe(true);
    // Still up, and still right.
    const encoded = await post(server, '/encode', { payloads: plainPayloads() }, { authorization: `Bearer ${TOKEN}` });
    expect(await post(server, `/${TOKEN}/decode`, encoded.body)).toMatchObject({ status: 200, body: { payloads: plainPayloads() } });
  });

  it('validates its options before it listens', async () => {
    const keys = parseKeyList(ACTIVE_KEY, 'test keys');
    await expect(startCodecServer({ keys, port: 0, token: 'short' })).rejects.toThrow(ConfigurationError);
    await expect(startCodecServer({ keys, port: 0, token: 'short' })).rejects.toThrow('got 5 characters');
    await expect(startCodecServer({ keys, port: 0, token: `${TOKEN}/../x` })).rejects.toThrow(/Expected `token`/);
    await expect(startCodecServer({ keys, port: 0, uiOrigins: ['ftp://ui.test'] })).rejects.toThrow(/Expected `uiOrigins`/);
    await expect(startCodecServer({ keys, port: 0, maxBodyBytes: 0 })).rejects.toThrow('Expected `maxBodyBytes` to be an integer from 1024 to 268435456, got `0`.');
    await expect(startCodecServer({ keys, port: server.port })).rejects.toThrow(`port ${server.port} is in use`);
  });
});

/** The command, and the `temporal` CLI (Go's codec client) reading an encrypted run's history through it. */
describe('durable-agent codec-server', () => {
  jest.setTimeout(90_000);
  const { DURABLE_AGENT_ENCRYPTION_KEYS: _keys, DURABLE_AGENT_ENCRYPTION_KEY_FILE: _file, DURABLE_AGENT_CODEC_TOKEN: _token, ...baseEnv } = process.env;

  it('without keys, exits 3 and says how to configure them', async () => {
    const result = await runCli(['codec-server', '--port', '0'], { ...baseEnv, NO_COLOR: '1' });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('DURABLE_AGENT_ENCRYPTION_KEYS');
    expect(result.stderr).toContain('durable-agent new-key');
  });

  it('refuses a token that cannot be one (exit 2) without printing it', async () => {
    const result = await runCli(['codec-server', '--port', '0', '--token', 'tiny'], { ...baseEnv, DURABLE_AGENT_ENCRYPTION_KEYS: ACTIVE_KEY });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('got 4 characters');
    expect(result.stderr).not.toContain('tiny');
  });

  it('prints the UI endpoint and the temporal CLI flags; `temporal workflow show` decodes an encrypted run through it; stops on SIGTERM', async () => {
    const address = process.env.DURABLE_AGENT_TEST_ADDRESS;
    if (!address) throw new Error('DURABLE_AGENT_TEST_ADDRESS is not set: run through Jest.');
    // An encrypted run's history: started by an encrypting client, with no worker (its input is all we read).
    const config = loadTemporalConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', DURABLE_AGENT_ENCRYPTION_KEYS: ACTIVE_KEY });
    const client = await connectClient(config);
    const workflowId = `codec-${uniqueTaskQueue('codec')}`;
    await client.workflow.start('agentWorkflow', { taskQueue: uniqueTaskQueue('codec'), workflowId, args: [{ goal: SECRET }] });

    const child = startCli(['codec-server', '--port', '0', '--ui-origin', 'http://localhost:8233'], { ...baseEnv, DURABLE_AGENT_ENCRYPTION_KEYS: ACTIVE_KEY, DURABLE_AGENT_CODEC_TOKEN: TOKEN });
    try {
      const [, url = ''] = await waitForOutput(child, /temporal CLI: --codec-endpoint (\S+) --codec-auth "Bearer [^"]+"/, 30_000);
      const { stdout } = child.output();
      expect(stdout).toContain(`Remote Codec Endpoint: ${url}/${TOKEN}`);
      expect(stdout).toContain(`--codec-auth "Bearer ${TOKEN}"`);
      expect(stdout).toContain('UI origins allowed: http://localhost:8233');
      expect(stdout).not.toContain('The token is new');

      const temporal = await resolveTemporalBinary({ onProgress: () => undefined });
      const show = (codec: string[]) =>
        promisify(execFile)(temporal, ['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--namespace', 'default', '--output', 'json', ...codec], { timeout: 30_000 });
      // The CLI prints payloads as protobuf JSON: the goal's JSON in base64 once decoded, ciphertext as stored.
      const goalJson = Buffer.from(JSON.stringify({ goal: SECRET })).toString('base64');
      const decoded = await show(['--codec-endpoint', url, '--codec-auth', `Bearer ${TOKEN}`]);
      expect(decoded.stdout).toContain(goalJson);
      const stored = await show([]);
      expect(stored.stdout).not.toContain(goalJson);
      expect(stored.stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));

      child.kill('SIGTERM');
      const result = await child.done;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Codec server stopped.');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
      await client.connection.close();
    }
  });
});
