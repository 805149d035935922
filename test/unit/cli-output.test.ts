import { printRunList, printStatus, type StatusReport } from '../../src/cli/output';

/** What `status` prints, captured from stdout. */
function statusText(report: StatusReport): string {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    printStatus(report, false);
  } finally {
    spy.mockRestore();
  }
  return written.join('');
}

describe('status output', () => {
  const base: StatusReport = { workflowId: 'run-1', executionStatus: 'RUNNING', agentStatus: 'running', step: 12, maxSteps: 10 };

  it('shows a plain run against its step cap', () => {
    expect(statusText({ ...base, step: 3 })).toContain('step 3/10');
  });

  it('shows a session turn against the cap it counts per turn, never the session total over the cap', () => {
    const text = statusText({ ...base, session: { turnsAnswered: 4, turnStep: 2 } });
    expect(text).toContain('turn 5 · step 2/10 · 12 steps in all');
    expect(text).not.toContain('12/10');
  });

  it('shows an idle session by the turns it answered', () => {
    const text = statusText({ ...base, agentStatus: 'idle', session: { turnsAnswered: 1, turnStep: 0 } });
    expect(text).toContain('1 turn answered · 12 steps in all');
  });
});

describe('list output', () => {
  it('has goal and cost columns, the goal cut to fit, and dashes for a run started without them', () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const startTime = new Date('2026-12-03T10:00:00Z');
    try {
      printRunList(
        [
          { workflowId: 'run-2', runId: 'r2', executionStatus: 'RUNNING', agentStatus: 'running', taskQueue: 'q', startTime, goal: 'Summarize this repository and then write a very long report about it', costUsd: 0.01234 },
          { workflowId: 'run-1', runId: 'r1', executionStatus: 'COMPLETED', agentStatus: 'final', taskQueue: 'q', startTime },
          { workflowId: 'run-3', runId: 'r3', executionStatus: 'COMPLETED', agentStatus: 'final', taskQueue: 'q', startTime, goal: 'Try again', forkOf: 'run-1' },
        ],
        false,
      );
    } finally {
      spy.mockRestore();
    }
    const [header, first, second, third] = written.join('').split('\n');
    expect(third).toMatch(/\(fork of run-1\) Try again$/);
    expect(header).toMatch(/TOKENS\s+COST\s+STARTED \(UTC\)\s+GOAL$/);
    expect(first).toMatch(/\s\$0\.0123\s+2026-12-03 10:00:00\s+Summarize this repository and then write a very…$/);
    expect(second).toMatch(/\s-\s+2026-12-03 10:00:00\s+-$/);
  });
});
