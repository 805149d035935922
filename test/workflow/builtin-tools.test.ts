import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuiltinToolsConfig } from '../../src/config/tools-config';
import { systemResolver, type Resolver } from '../../src/tools/net/address-guard';
import { historyEvents, ranActivities, recordHistory, scheduledActivities, toolMessagesByCallId, withAgent } from '../helpers/agent';
import { startHttpTestServer, type HttpTestServer } from '../helpers/http-server';

/** Names that stand for hostile DNS answers; every other name goes to the system resolver. */
const fakeDns: Record<string, string[]> = {
  'rebind.test': ['127.0.0.1'],
  'private.test': ['10.0.0.5'],
  'metadata.test': ['169.254.169.254'],
  'mixed.test': ['93.184.216.34', '127.0.0.1'],
  'app.test': ['127.0.0.1'],
};
const resolver: Resolver = async (hostname) => fakeDns[hostname] ?? systemResolver(hostname);

interface Case {
  name: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** What the model must be told; for refusals, the reason. */
  expect: RegExp;
}

/** Runs every case as one parallel call of a single agent step, then returns what the model saw per case. */
async function runCases(cases: readonly Case[], config: BuiltinToolsConfig) {
  const script = { turns: [{ toolCalls: cases.map((entry) => ({ name: entry.tool, arguments: entry.arguments })) }, { content: 'done' }] };
  return withAgent(
    script,
    [],
    async ({ run }) => {
      const { handle, result } = await run({ goal: 'probe the tools', maxParallel: 8 });
      expect(result.status).toBe('final');
      const messages = await toolMessagesByCallId(handle);
      const scheduled = scheduledActivities(await historyEvents(handle));
      return { byCase: cases.map((entry, index) => ({ entry, message: messages.get(`call_1_${index + 1}`) ?? '(no message)' })), scheduled };
    },
    { builtinTools: config },
  );
}

describe('built-in tools, safe by default (real worker, real activities, real HTTP server and files)', () => {
  jest.setTimeout(120_000);
  let server: HttpTestServer;
  let folder: string;
  let workspace: string;
  let config: BuiltinToolsConfig;

  beforeAll(async () => {
    server = await startHttpTestServer();
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-tools-'));
    workspace = join(folder, 'workspace');
    const outside = join(folder, 'outside');
    mkdirSync(join(workspace, 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'SECRET-OUTSIDE');
    writeFileSync(join(workspace, 'notes.txt'), 'hello from the workspace');
    writeFileSync(join(workspace, 'sub', 'inner.txt'), 'inner file');
    writeFileSync(join(workspace, 'binary.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    writeFileSync(join(workspace, 'large.txt'), 'L'.repeat(5_000));
    symlinkSync(join(outside, 'secret.txt'), join(workspace, 'escape-file'));
    symlinkSync(outside, join(workspace, 'escape-dir'));
    symlinkSync('../../outside', join(workspace, 'sub', 'deeper-escape'));
    symlinkSync('notes.txt', join(workspace, 'inside-link'));
    config = {
      workspace,
      httpAllow: [`127.0.0.1:${server.port}`],
      httpMaxBytes: 65_536,
      readMaxBytes: 1_000,
      waitMaxSeconds: 60,
      resolve: resolver,
    };
  });

  afterAll(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('http_get refuses every internal destination class and every hop to one', async () => {
    const origin = server.origin;
    const refused = (name: string, url: string, reason: RegExp): Case => ({ name, tool: 'http_get', arguments: { url }, expect: reason });
    const cases: Case[] = [
      refused('ftp scheme', 'ftp://example.com/file', /refused ftp: URL: only http and https/),
      refused('file scheme', 'file:///etc/passwd', /refused file: URL/),
      refused('loopback, port not allowed', 'http://127.0.0.1:1/', /127\.0\.0\.1 is a loopback address/),
      refused('loopback range', 'http://127.5.5.5/', /127\.5\.5\.5 is a loopback address/),
      refused('localhost', 'http://localhost/json', /is a loopback address \(localhost resolves to it\)/),
      refused('IPv6 loopback', 'http://[::1]/', /::1 is a loopback address/),
      refused('private 10/8', 'http://10.0.0.1/', /10\.0\.0\.1 is a private-network address/),
      refused('private 172.16/12', 'http://172.16.5.4/', /172\.16\.5\.4 is a private-network address/),
      refused('private 192.168/16', 'http://192.168.1.1/', /192\.168\.1\.1 is a private-network address/),
      refused('metadata link-local', 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/),
      refused('CGNAT', 'http://100.64.0.1/', /100\.64\.0\.1 is a carrier-grade NAT address/),
      refused('unique-local IPv6', 'http://[fc00::1]/', /fc00::1 is a unique-local IPv6 address/),
      refused('link-local IPv6', 'http://[fe80::1]/', /fe80::1 is a link-local address/),
      refused('0.0.0.0', 'http://0.0.0.0/', /0\.0\.0\.0 is the unspecified address/),
      refused('::', 'http://[::]/', /:: is the unspecified address/),
      refused('IPv4-mapped loopback', `http://[::ffff:127.0.0.1]:${server.port}/json`, /127\.0\.0\.1 is a loopback address/),
      refused('IPv4-mapped private', 'http://[::ffff:10.0.0.1]/', /10\.0\.0\.1 is a private-network address/),
      refused('decimal spelling', 'http://2130706433/', /127\.0\.0\.1 is a loopback address/),
      refused('octal spelling', 'http://0177.0.0.1/', /127\.0\.0\.1 is a loopback address/),
      refused('hex spelling', 'http://0x7f000001/', /127\.0\.0\.1 is a loopback address/),
      refused('hex private', 'http://0x0a.0.0.1/', /10\.0\.0\.1 is a private-network address/),
      refused('name resolving to loopback', 'http://rebind.test/', /127\.0\.0\.1 is a loopback address \(rebind\.test resolves to it\)/),
      refused('name resolving to private', 'http://private.test/', /10\.0\.0\.5 is a private-network address/),
      refused('name resolving to metadata', 'http://metadata.test/', /169\.254\.169\.254 is a link-local address/),
      refused('one bad address of several', 'http://mixed.test/', /127\.0\.0\.1 is a loopback address/),
      refused('redirect to loopback', `${origin}/redirect?to=${encodeURIComponent('http://127.0.0.1:1/')}`, /127\.0\.0\.1 is a loopback address/),
      refused('redirect to metadata', `${origin}/redirect?to=${encodeURIComponent('http://169.254.169.254/')}`, /169\.254\.169\.254 is a link-local/),
      refused('redirect loop', `${origin}/loop`, /too many redirects \(more than 5\)/),
      refused('credentials in URL', `http://user:pass@127.0.0.1:${server.port}/json`, /credentials/),
    ];
    const { byCase, scheduled } = await runCases(cases, config);
    for (const { entry, message } of byCase) {
      expect({ case: entry.name, message }).toEqual({ case: entry.name, message: expect.stringMatching(/^Error: ToolError: /) });
      expect({ case: entry.name, message }).toEqual({ case: entry.name, message: expect.stringMatching(entry.expect) });
    }
    // Every refusal happened inside the http_get activity, and no refused hop reached the test server.
    expect(scheduled.filter((name) => name === 'http_get')).toHaveLength(cases.length);
    const reached = server.requests.map((request) => request.path);
    expect(reached.filter((path) => path.startsWith('/json'))).toEqual([]);
    expect(reached.filter((path) => path === '/loop')).toHaveLength(6);
  });

  it('http_get fetches allowed hosts: JSON pretty-printed, bodies capped with the original size, Host kept', async () => {
    const cases: Case[] = [
      { name: 'json', tool: 'http_get', arguments: { url: `${server.origin}/json` }, expect: /"body":"\{\\n {2}\\"name\\": \\"durable-agent\\"/ },
      { name: 'capped', tool: 'http_get', arguments: { url: `${server.origin}/big?bytes=200000` }, expect: /"truncated":true,"bytes":65536,"totalBytes":200000/ },
      { name: 'allowed by address', tool: 'http_get', arguments: { url: `http://app.test:${server.port}/echo-host` }, expect: new RegExp(`host=app\\.test:${server.port}`) },
      { name: 'redirect followed', tool: 'http_get', arguments: { url: `${server.origin}/redirect?to=/text` }, expect: /"body":"plain text body".*"redirects":\["http:\/\/127\.0\.0\.1:\d+\/text"\]/ },
    ];
    const { byCase } = await runCases(cases, config);
    for (const { entry, message } of byCase) expect({ case: entry.name, message }).toEqual({ case: entry.name, message: expect.stringMatching(entry.expect) });
  });

  it('read_file and list_dir stay inside the workspace', async () => {
    const read = (name: string, path: string, reason: RegExp): Case => ({ name, tool: 'read_file', arguments: { path }, expect: reason });
    const cases: Case[] = [
      read('.. escape', '../outside/secret.txt', /Error: ToolError: refused "\.\.\/outside\/secret\.txt": it is outside the workspace/),
      read('absolute outside', join(folder, 'outside', 'secret.txt'), /it is outside the workspace/),
      read('absolute system file', '/etc/hostname', /it is outside the workspace/),
      read('symlinked file escaping', 'escape-file', /a symbolic link leads outside the workspace/),
      read('symlinked folder escaping', 'escape-dir/secret.txt', /a symbolic link leads outside the workspace/),
      read('symlink escaping at depth', 'sub/deeper-escape/secret.txt', /a symbolic link leads outside the workspace/),
      read('NUL byte', 'notes.txt\u0000.png', /refused a path with a NUL byte/),
      { name: 'list escaping folder', tool: 'list_dir', arguments: { path: 'escape-dir' }, expect: /a symbolic link leads outside the workspace/ },
      { name: 'list parent', tool: 'list_dir', arguments: { path: '..' }, expect: /it is outside the workspace/ },
      read('text', 'notes.txt', /"binary":false,"text":"hello from the workspace","truncated":false/),
      read('absolute inside', join(workspace, 'sub', 'inner.txt'), /"path":"sub\/inner\.txt".*"text":"inner file"/),
      read('symlink inside', 'inside-link', /"path":"notes\.txt"/),
      read('binary', 'binary.bin', /"bytes":7,"binary":true\}/),
      read('capped', 'large.txt', /"bytes":5000,"binary":false,"text":"L{1000}","truncated":true/),
      read('missing', 'nope.txt', /Error: ToolError: "nope\.txt" does not exist in the workspace/),
      { name: 'list root', tool: 'list_dir', arguments: { path: '.' }, expect: /\{"name":"escape-dir","type":"symlink"\}.*\{"name":"notes\.txt","type":"file","bytes":24\}/ },
    ];
    const { byCase } = await runCases(cases, config);
    for (const { entry, message } of byCase) expect({ case: entry.name, message }).toEqual({ case: entry.name, message: expect.stringMatching(entry.expect) });
    expect(byCase.map(({ message }) => message).join('\n')).not.toContain('SECRET-OUTSIDE');
  });

  it('wait is a durable timer in the workflow: no activity, bounded by the configured maximum', async () => {
    const script = {
      turns: [
        { toolCalls: [{ name: 'wait', arguments: { seconds: 1, reason: 'let things settle' } }, { name: 'wait', arguments: { seconds: 3_600 } }] },
        { content: 'done' },
      ],
    };
    await withAgent(
      script,
      [],
      async ({ run }) => {
        const { handle, result } = await run({ goal: 'wait a moment' });
        expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 1 } });
        const events = await historyEvents(handle);
        expect(ranActivities(events)).toEqual(['describeTools', 'plan', 'plan']);
        const timers = events.filter((event) => event.timerStartedEventAttributes);
        expect(timers).toHaveLength(1);
        expect(Number(timers[0]?.timerStartedEventAttributes?.startToFireTimeout?.seconds)).toBe(1);
        const messages = await toolMessagesByCallId(handle);
        expect(messages.get('call_1_1')).toBe('{"waitedSeconds":1}');
        expect(messages.get('call_1_2')).toMatch(/ToolInputInvalid: .*at most 60 seconds, got 3600/);
        await recordHistory(handle, 'agent-wait-timer');
      },
      { builtinTools: config },
    );
  });

  it('cancelling a run aborts an in-flight http_get: the server sees the connection close', async () => {
    const script = { turns: [{ toolCalls: [{ name: 'http_get', arguments: { url: `${server.origin}/slow` } }] }, { content: 'never reached' }] };
    await withAgent(
      script,
      [],
      async ({ start }) => {
        const handle = await start({ goal: 'fetch a page that never ends' });
        await server.slowRequestArrived();
        const cancelledAt = Date.now();
        await handle.cancel();
        const closedAt = await server.slowRequestClosed();
        const result = (await handle.result()) as { status: string };
        expect(result.status).toBe('cancelled');
        await recordHistory(handle, 'agent-cancelled');
        // Bounded, not timed: the abort must arrive well before the tool's own 30 s timeout.
        expect(closedAt - cancelledAt).toBeLessThan(15_000);
      },
      { builtinTools: config },
    );
  });
});
