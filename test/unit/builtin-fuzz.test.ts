import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import fc from 'fast-check';
import { createToolActivities } from '../../src/activities/tool-activities';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import type { ToolSpec } from '../../src/contracts/tool-spec';
import { createBuiltinTools } from '../../src/tools/builtin';
import type { Resolver } from '../../src/tools/net/address-guard';
import { createToolRegistry } from '../../src/tools/registry';
import { prepareNode } from '../../src/core/plan/tasks';

const RUNS = 1_000;
const TYPED_REJECTIONS = [ERROR_TYPES.toolInputInvalid, ERROR_TYPES.toolError];

/** Every name resolves to loopback, so no generated URL can leave the machine (no allowlist here). */
const loopbackOnly: Resolver = async () => ['127.0.0.1'];

const hostileStrings = fc.constantFrom(
  '..', '../..', '../../../../etc/passwd', '/etc/passwd', '/', '', ' ', '\u0000', 'a\u0000b', '~', '~root', '.', './.',
  'file:///etc/passwd', 'http://127.0.0.1/', 'http://[::1]/', 'http://2130706433/', 'http://0x7f.1/', 'http://0177.1/',
  'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://localhost:80/', 'gopher://x/',
  'javascript:alert(1)', 'http://user:pass@host/', 'http://%00/', 'http://[fe80::1%25eth0]/', 'http://example.com:99999/',
  '%2e%2e%2f', '\\..\\..\\windows', 'escape/../../x', 'a'.repeat(5_000), '😀/../..', 'CON', 'nul', '\n', 'http://evil.example/',
);

/** Random and hostile values of every JSON shape, with hostile strings in every string position. */
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileStrings,
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom('url', 'path', 'seconds', 'reason', '__proto__', 'constructor'), fc.string()), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Inputs shaped like each tool's own input, with hostile field values, plus anything at all. */
const inputFor = (field: string) => fc.oneof(fc.record({ [field]: fc.oneof(hostileStrings, hostileValue) }), hostileValue);

describe('generated hostile inputs through every built-in (schema and handler)', () => {
  jest.setTimeout(120_000);
  let folder: string;
  let activities: ReturnType<typeof createToolActivities>;
  let waitSpec: ToolSpec;
  const environment = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-fuzz-'));
    const workspace = join(folder, 'workspace');
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'notes.txt'), 'notes');
    symlinkSync('/etc', join(workspace, 'escape'));
    const tools = createBuiltinTools({ workspace, httpAllow: [], httpMaxBytes: 4_096, readMaxBytes: 4_096, waitMaxSeconds: 60, resolve: loopbackOnly });
    const registry = createToolRegistry(tools);
    activities = createToolActivities(registry);
    const spec = registry.tools.get('wait')?.spec;
    if (!spec) throw new Error('no wait tool');
    waitSpec = spec;
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it.each([
    ['http_get', 'url'],
    ['read_file', 'path'],
    ['list_dir', 'path'],
  ])(`%s: ${RUNS} inputs, no crash, a typed error for every rejection`, async (tool, field) => {
    const activity = activities[tool];
    if (!activity) throw new Error(`no activity ${tool}`);
    const outcomes = { ok: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(inputFor(field), async (input) => {
        try {
          await environment.run(activity, { taskId: 's1-1', input, idempotencyKey: 'fuzz' });
          outcomes.ok += 1;
        } catch (error) {
          outcomes.rejected += 1;
          expect(error).toBeInstanceOf(ApplicationFailure);
          expect(TYPED_REJECTIONS).toContain((error as ApplicationFailure).type);
          expect((error as ApplicationFailure).nonRetryable).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: 20261124 },
    );
    expect(outcomes.ok + outcomes.rejected).toBe(RUNS);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });

  it(`wait: ${RUNS} inputs are all either a timer or a typed rejection, decided in the workflow`, () => {
    const access = { catalogue: new Map([['wait', waitSpec]]), allowed: new Set(['wait']) };
    fc.assert(
      fc.property(inputFor('seconds'), (input) => {
        const prepared = prepareNode({ id: 's1-1', call: { type: 'tool_call', id: 'c', tool: 'wait', input }, dependsOn: [] }, access);
        if ('task' in prepared) {
          expect(prepared.task.executor.kind).toBe('timer');
          const seconds = (prepared.task.input as { seconds: number }).seconds;
          expect(seconds).toBeGreaterThanOrEqual(0);
          expect(seconds).toBeLessThanOrEqual(60);
        } else {
          expect(prepared.result.error?.type).toBe(ERROR_TYPES.toolInputInvalid);
        }
      }),
      { numRuns: RUNS, seed: 20261124 },
    );
  });
});
