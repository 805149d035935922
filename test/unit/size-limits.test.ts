import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import { jsonDepth, limitToolCalls, parseToolCall } from '../../src/core/actions';
import type { ChatMessage } from '../../src/contracts/chat-message';
import { MAX_ARGUMENT_DEPTH, TOOL_RETRY_DEFAULT } from '../../src/contracts/limits';
import { compactTranscript, observationMessages, openingMessages, transcriptBytes } from '../../src/core/transcript';
import { summarize } from '../../src/core/summarize';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { capOutput, createToolActivities, jsonBytes } from '../../src/activities/tool-activities';
import { defineTool } from '../../src/tools/define-tool';
import { createToolRegistry } from '../../src/tools/registry';
import { bodyText, prettyJsonBound } from '../../src/tools/builtin/http-get';
import { checkDestination, HostAllowlist, refusalForAddress } from '../../src/tools/net/address-guard';
import { OutputBudget } from '../../src/workflows/agent/output-budget';
import { taskErrorOf } from '../../src/workflows/agent/executors';

describe('limitToolCalls', () => {
  const call = (id: string, name = 'read_file') => ({ id, name, arguments: '{}' });

  it('keeps the first maxCalls calls and reports the rest', () => {
    const calls = Array.from({ length: 18_000 }, (_, index) => call(`c${index}`, index % 2 ? 'http_get' : 'read_file'));
    const limited = limitToolCalls(calls, 64);
    expect(limited.calls).toHaveLength(64);
    expect(limited.calls[63]?.id).toBe('c63');
    expect(limited.dropped).toEqual({ count: 17_936, tools: ['read_file', 'http_get'] });
  });

  it('makes repeated and empty ids unique, and is idempotent', () => {
    const limited = limitToolCalls([call('a'), call('a'), call(''), call('a_2')], 10);
    const ids = limited.calls.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(4);
    expect(ids[0]).toBe('a');
    expect(ids.every((id) => id.length > 0)).toBe(true);
    expect(limitToolCalls(limited.calls, 10).calls).toEqual(limited.calls);
    expect(limited.dropped).toBeUndefined();
  });
});

describe('argument depth', () => {
  it('measures depth outside strings only', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[["}]}')).toBe(3);
    expect(jsonDepth('"\\"[["')).toBe(0);
  });

  it('refuses 100,000-deep arguments with a clear message instead of a payload error', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const action = parseToolCall({ id: 'c1', name: 'read_file', arguments: deep }, MAX_ARGUMENT_DEPTH);
    expect(action.input).toBeUndefined();
    expect(action.inputError).toMatch(/nest deeper than 64 levels/);
    // At the limit it still parses.
    const ok = `${'['.repeat(64)}${']'.repeat(64)}`;
    expect(parseToolCall({ id: 'c2', name: 'x', arguments: ok }, MAX_ARGUMENT_DEPTH).inputError).toBeUndefined();
  });
});

describe('OutputBudget', () => {
  it('keeps a step of 220 calls near its total, whatever each returns', () => {
    const budget = new OutputBudget(4_000_000, 220, 2_048, 262_144);
    let total = 0;
    for (let call = 0; call < 220; call += 1) {
      const cap = budget.reserve();
      expect(cap).toBeGreaterThanOrEqual(2_048);
      expect(cap).toBeLessThanOrEqual(262_144);
      total += cap;
      budget.settle(cap, cap);
    }
    expect(total).toBeLessThanOrEqual(4_000_000 + 220 * 2_048);
    expect(total).toBeGreaterThan(3_000_000);
  });

  it('gives a small step the full per-call cap, and returns unused bytes to later calls', () => {
    const small = new OutputBudget(4_000_000, 3, 2_048, 262_144);
    expect([small.reserve(), small.reserve(), small.reserve()]).toEqual([262_144, 262_144, 262_144]);
    const tight = new OutputBudget(100_000, 2, 1_000, 100_000);
    const first = tight.reserve();
    expect(first).toBe(50_000);
    tight.settle(first, 10);
    expect(tight.reserve()).toBe(99_990);
  });
});

describe('bounded continue-as-new transcript', () => {
  /** A transcript of `steps` steps of `calls` calls with 2 KB previews each (the default observation budget). */
  function transcript(steps: number, calls: number): ChatMessage[] {
    const messages = openingMessages('goal');
    for (let step = 1; step <= steps; step += 1) {
      messages.push({ role: 'assistant', content: '', toolCalls: Array.from({ length: calls }, (_, index) => ({ id: `c${step}_${index}`, name: 'blob', arguments: '{"bytes":300000}' })) });
      const results = Array.from({ length: calls }, (_, index) => ({ id: `s${step}-${index}`, callId: `c${step}_${index}`, tool: 'blob', ok: true, output: 'z'.repeat(300_000), durationMs: 1 }));
      messages.push(...observationMessages(summarize(results, 2_000)));
    }
    return messages;
  }

  it('fits 100 calls a step for 10 steps within the byte bound, keeping calls and results paired', () => {
    const messages = transcript(10, 100);
    expect(transcriptBytes(messages)).toBeGreaterThan(2_000_000);
    const compacted = compactTranscript(messages, 10, 0, 1_000_000);
    expect(transcriptBytes(compacted.messages)).toBeLessThanOrEqual(1_000_000);
    expect(compacted.omittedTurns).toBeGreaterThan(0);
    const callIds = new Set(compacted.messages.flatMap((message) => message.toolCalls?.map((call) => call.id) ?? []));
    const answered = compacted.messages.filter((message) => message.role === 'tool').map((message) => message.toolCallId);
    expect(answered.length).toBe(callIds.size);
    expect(answered.every((id) => callIds.has(id ?? ''))).toBe(true);
  });

  it('drops every step when even one does not fit, and says so', () => {
    const compacted = compactTranscript(transcript(1, 100), 10, 0, 50_000);
    expect(compacted.messages).toHaveLength(3);
    expect(compacted.messages[2]?.content).toMatch(/\[durable-agent: 1 earlier turns omitted\]/);
  });

  it('without a bound, behaves as before (step count only)', () => {
    const messages = transcript(3, 2);
    expect(compactTranscript(messages, 10, 0).messages).toEqual(messages);
  });
});

describe('capOutput measures what reaches history', () => {
  it('counts JSON escapes: a string of control characters is cut to fit in JSON bytes', () => {
    const text = '\u0001'.repeat(100_000);
    expect(jsonBytes(text)).toBe(600_002);
    const capped = capOutput(text, 50_000);
    expect(jsonBytes(capped.output)).toBeLessThanOrEqual(50_000);
    expect(capped.historyBytes).toBe(jsonBytes(capped.output));
    expect(capped.outputBytes).toBe(100_000);
  });
});

describe('http_get JSON formatting is bounded by the output cap', () => {
  it('does not amplify 7.8 KB of nested arrays into megabytes', () => {
    const nested = `${'['.repeat(3_900)}${']'.repeat(3_900)}`;
    expect(nested.length).toBe(7_800);
    const started = process.hrtime.bigint();
    const text = bodyText(Buffer.from(nested), 'application/json', false, 1_048_576);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2_000);
    expect(text).toBe(nested);
    expect(prettyJsonBound(nested)).toBeGreaterThan(1_048_576);
  });

  it('still pretty-prints ordinary JSON', () => {
    expect(bodyText(Buffer.from('{"a":[1,2]}'), 'application/json', false, 1_000)).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
  });

  it('the bound is an upper bound', () => {
    const samples = ['{"a":{"b":{"c":[1,2,{"d":"x,y"}]}}}', '[[],[[]],{}]', '{"k":"v"}', '[1,2,3,4,5]'];
    for (const sample of samples) expect(Buffer.byteLength(JSON.stringify(JSON.parse(sample), null, 2))).toBeLessThanOrEqual(prettyJsonBound(sample));
  });
});

describe('address guard: IPv4-compatible IPv6', () => {
  // The WHATWG URL parser writes [::127.0.0.1] as [::7f00:1]: that is the form the guard sees.
  it.each(['http://[::127.0.0.1]/', 'http://[::10.0.0.1]/', 'http://[::169.254.169.254]/', 'http://[::8.8.8.8]/', 'http://[::7f00:1]:8080/'])('refuses %s', (url) => {
    expect(refusalForAddress(new URL(url).hostname)).toMatch(/IPv4-compatible/);
  });
  it('refuses the embedded spelling too', () => {
    expect(refusalForAddress('::127.0.0.1')).toMatch(/loopback/);
  });
  it('keeps the plain refusals of :: and ::1', () => {
    expect(refusalForAddress('::1')).toMatch(/loopback/);
    expect(refusalForAddress('::')).toMatch(/unspecified/);
  });
});

describe('timeout messages name the limit that was hit', () => {
  const task = { id: 's1-1', callId: 'c', tool: 't', input: {}, timeoutMs: 10_000, retry: TOOL_RETRY_DEFAULT };
  const failure = (type: 'START_TO_CLOSE' | 'SCHEDULE_TO_CLOSE' | 'HEARTBEAT') =>
    new ActivityFailure('activity failed', 't', 'a1', undefined, undefined, new TimeoutFailure('timed out', undefined, type));

  it('start-to-close prints the attempt timeout', () => {
    expect(taskErrorOf(failure('START_TO_CLOSE'), task).message).toBe('no result within 10s (start_to_close)');
  });
  it('schedule-to-close prints the whole window, retries included', () => {
    expect(taskErrorOf(failure('SCHEDULE_TO_CLOSE'), task).message).toMatch(/^no result within 31\.6s over all attempts \(schedule_to_close; each attempt may take 10s\)$/);
  });
  it('heartbeat prints the heartbeat timeout', () => {
    expect(taskErrorOf(failure('HEARTBEAT'), { ...task, heartbeatTimeoutMs: 4_000 }).message).toBe('no heartbeat within 4s (heartbeat timeout)');
  });
});

describe('a tool cannot hold a worker slot past its deadline', () => {
  it('the activity settles at its start-to-close timeout even when the tool ignores its signal', async () => {
    let sawAbort = false;
    const stubborn = defineTool({
      name: 'stubborn',
      description: 'Never settles and ignores its signal.',
      input: z.object({}),
      run: (_input, context) => {
        context.signal.addEventListener('abort', () => (sawAbort = true));
        return new Promise(() => undefined);
      },
    });
    const activities = createToolActivities(createToolRegistry([stubborn]));
    const environment = new MockActivityEnvironment({ startToCloseTimeoutMs: 300 }, { logger: new DefaultLogger('ERROR') });
    const activity = activities.stubborn;
    if (!activity) throw new Error('no activity');
    await expect(environment.run(activity, { taskId: 's1-1', input: {}, idempotencyKey: 'k' })).rejects.toThrow(/ran past its 300 ms timeout/);
    expect(sawAbort).toBe(true);
  });
});

describe('http_get name resolution failures', () => {
  const url = new URL('http://example.test/');
  const failing = (code: string) => async () => {
    throw Object.assign(new Error(`getaddrinfo ${code} example.test`), { code });
  };

  it('a name that does not exist is shown to the model (not retried)', async () => {
    await expect(checkDestination(url, new HostAllowlist([]), failing('ENOTFOUND'))).rejects.toMatchObject({ name: 'ToolError', message: expect.stringContaining('no such host (ENOTFOUND)') });
  });

  it('a failing resolver is a passing fault: retried by the tool policy', async () => {
    const error = (await checkDestination(url, new HostAllowlist([]), failing('EAI_AGAIN')).catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('Error');
    expect(error.message).toContain('DNS lookup of example.test failed (EAI_AGAIN); it will be retried');
  });
});
