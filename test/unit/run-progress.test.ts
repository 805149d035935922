import { RunProgress } from '../../src/client/run-progress';
import type { RunEvent } from '../../src/contracts';
import { EventLog } from '../../src/workflows/agent/event-log';

const at = 1_000;
let offset = 0;
const event = (fields: Omit<RunEvent, 'offset' | 'at'>): RunEvent => ({ offset: offset++, at, ...fields });

describe('progress rebuilt from events', () => {
  it('counts calls, tokens and waits the way the live state does', () => {
    const progress = new RunProgress(5);
    for (const next of [
      event({ type: 'step_started', step: 1 }),
      event({ type: 'plan_done', step: 1, inputTokens: 100, outputTokens: 20 }),
      event({ type: 'call_started', step: 1, callId: 's1-1', tool: 'sleep' }),
      event({ type: 'approval_needed', step: 1, callId: 's1-2', tool: 'deploy' }),
    ]) {
      progress.apply(next);
    }
    expect(progress.state()).toMatchObject({ status: 'waiting_for_approval', step: 1, maxSteps: 5, usage: { inputTokens: 100, outputTokens: 20, modelCalls: 1 } });
    expect(progress.state().pending).toEqual([{ id: 's1-1', tool: 'sleep', startedAt: at }]);
    progress.apply(event({ type: 'call_finished', step: 1, callId: 's1-1', tool: 'sleep', ok: true, durationMs: 12 }));
    progress.apply(event({ type: 'approval_decided', step: 1, callId: 's1-2', tool: 'deploy', detail: 'denied: no' }));
    progress.apply(event({ type: 'call_denied', step: 1, callId: 's1-2', tool: 'deploy', ok: false, durationMs: 0, errorType: 'ToolDenied' }));
    const state = progress.state();
    expect(state.status).toBe('running');
    expect(state.toolCalls).toEqual({ ok: 1, failed: 1 });
    expect(state.recent.map((call) => [call.id, call.ok, call.errorType])).toEqual([
      ['s1-1', true, undefined],
      ['s1-2', false, 'ToolDenied'],
    ]);
    progress.apply(event({ type: 'run_ended', step: 2, detail: 'final' }));
    expect(progress.hasEnded).toBe(true);
    expect(progress.state()).toMatchObject({ status: 'final', step: 2 });
  });
});

describe('a session in events', () => {
  it('a turn answered makes it idle, not ended; the next message makes it run; run_ended ends it', () => {
    const progress = new RunProgress(5);
    progress.apply(event({ type: 'turn_started', step: 0, detail: 'hello' }));
    progress.apply(event({ type: 'step_started', step: 1 }));
    expect(progress.state().status).toBe('running');
    progress.apply(event({ type: 'turn_answered', step: 1, detail: 'turn 1: final' }));
    expect(progress.hasEnded).toBe(false);
    expect(progress.state().status).toBe('idle');
    progress.apply(event({ type: 'turn_started', step: 1, detail: 'again' }));
    expect(progress.state().status).toBe('running');
    progress.apply(event({ type: 'turn_answered', step: 2, detail: 'turn 2: final' }));
    progress.apply(event({ type: 'run_ended', step: 2, detail: 'final' }));
    expect(progress.hasEnded).toBe(true);
    expect(progress.state().status).toBe('final');
  });
});

describe('event log pages', () => {
  it('an empty page keeps a follower at the offset it asked for, even past the end', () => {
    const log = new EventLog();
    log.append({ type: 'step_started', step: 1 });
    expect(log.page(0)).toMatchObject({ next: 1, events: [{ offset: 0 }] });
    expect(log.page(7)).toMatchObject({ next: 7, events: [] });
    expect(log.page(1)).toMatchObject({ next: 1, events: [] });
  });
});
