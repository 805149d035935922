import { temporal } from '@temporalio/proto';
import type { RunEvent } from '../../src/contracts/interaction-schemas';
import { attemptsRanOut, completionsByKey, decisionProblems, ranAfterCompletion, secretLeaks, sessionProblems, type Execution } from '../../chaos/invariants';
import { Random } from '../../chaos/random';

const time = (ms: number) => ({ seconds: Math.floor(ms / 1_000), nanos: (ms % 1_000) * 1e6 });
const payload = (value: unknown) => ({ payloads: [{ data: Buffer.from(JSON.stringify(value)) }] });

/** A history where call s1-1 was scheduled (event 5) and completed at `completedAt`. */
function execution(completedAt: number, extra: Execution['events'] = []): Execution {
  return {
    workflowId: 'run-1',
    runId: 'r1',
    events: [
      { eventId: 5, activityTaskScheduledEventAttributes: { input: payload({ idempotencyKey: 'run-1/s1-1', tool: 'effect' }) } },
      { eventId: 7, eventTime: time(completedAt), activityTaskCompletedEventAttributes: { scheduledEventId: 5 } },
      ...extra,
    ] as unknown as Execution['events'],
  };
}

const event = (type: RunEvent['type'], callId: string, offset: number): RunEvent => ({ offset, type, at: offset, step: 1, callId });

/** The chaos campaign's invariant checks (chaos/invariants.ts) find the violations they are for. */
describe('chaos invariants', () => {
  it('a tool call that starts again after its completion was recorded is a violation; a retry before it is not', () => {
    const completed = completionsByKey([execution(10_000)]);
    expect(completed.get('run-1/s1-1')).toBe(10_000);
    const retriedBefore = { key: 'run-1/s1-1', attempt: 1, startedAt: 9_000, doneAt: 9_500, via: 'http' as const };
    const after = { key: 'run-1/s1-1', attempt: 2, startedAt: 10_500, via: 'http' as const };
    expect(ranAfterCompletion([retriedBefore], completed)).toEqual([]);
    expect(ranAfterCompletion([retriedBefore, after], completed)).toEqual([after]);
  });

  it('an activity whose attempts ran out is told from one that failed for another reason or succeeded', () => {
    const { RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED: ranOut, RETRY_STATE_NON_RETRYABLE_FAILURE: nonRetryable } = temporal.api.enums.v1.RetryState;
    const history = (retryState: number, type = 'plan'): Execution => ({
      workflowId: 'run-1',
      runId: 'r1',
      events: [
        { eventId: 5, activityTaskScheduledEventAttributes: { activityType: { name: type } } },
        { eventId: 7, activityTaskTimedOutEventAttributes: { scheduledEventId: 5, retryState } },
      ] as unknown as Execution['events'],
    });
    expect(attemptsRanOut([history(ranOut)], 'plan')).toBe(true);
    expect(attemptsRanOut([history(nonRetryable)], 'plan')).toBe(false);
    expect(attemptsRanOut([history(ranOut, 'effect')], 'plan')).toBe(false);
    expect(attemptsRanOut([execution(10_000)], 'plan')).toBe(false);
  });

  it('a session message that started no turn, or two, and a turn no message asked for are found', () => {
    const turn = (detail: string, offset: number): RunEvent => ({ offset, type: 'turn_started', at: offset, step: 1, detail });
    expect(sessionProblems([turn('m1', 0), turn('m2', 1)], ['m1', 'm2'])).toEqual([]);
    expect(sessionProblems([turn('m1', 0), turn('m1', 1)], ['m1', 'm2'])).toEqual(['message "m1" started 2 turns', 'message "m2" started 0 turns']);
    expect(sessionProblems([turn('m1', 0), turn('other', 1)], ['m1'])).toEqual(['turns started by messages never sent: other']);
  });

  it('a decision applied twice, an approval never decided and a question never answered are found', () => {
    expect(decisionProblems([event('approval_needed', 's1-1', 0), event('approval_decided', 's1-1', 1), event('question_asked', 's2-1', 2), event('question_answered', 's2-1', 3)])).toEqual([]);
    expect(decisionProblems([event('approval_needed', 's1-1', 0), event('approval_decided', 's1-1', 1), event('approval_decided', 's1-1', 2)])).toEqual(['approval of s1-1 applied 2 times']);
    expect(decisionProblems([event('approval_needed', 's1-1', 0), event('question_asked', 's2-1', 1)])).toEqual(['approval of s1-1 asked and never decided', 'question s2-1 asked and never answered']);
  });

  it('a secret anywhere in a history, as text or in a payload, is found', () => {
    const secret = 'sk-test-secret-123';
    expect(secretLeaks([execution(1)], secret)).toEqual([]);
    const leaked = execution(1, [{ eventId: 9, activityTaskFailedEventAttributes: { failure: { message: `bad key ${secret}` } } }] as unknown as Execution['events']);
    expect(secretLeaks([leaked], secret)).toEqual(['run-1 (r1)']);
    const inPayload = execution(1, [{ eventId: 9, markerRecordedEventAttributes: { details: { d: payload({ key: secret }) } } }] as unknown as Execution['events']);
    expect(secretLeaks([inPayload], secret)).toEqual(['run-1 (r1)']);
  });

  it('the same seed gives the same sequence', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const draw = (random: Random) => Array.from({ length: 5 }, () => random.int(0, 1_000));
    expect(draw(a)).toEqual(draw(b));
    expect(draw(new Random(42))).not.toEqual(draw(c));
  });
});
