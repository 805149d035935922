import { RUN_STATUSES, type AgentRunStatus } from '../../contracts/status';
import { MESSAGE_UPDATE_ID_PREFIX } from '../../contracts/interactions';
import type { ResumeState } from '../../contracts/workflow-input';

/** How many of the latest messages' Update ids a session remembers across handovers. */
const REMEMBERED_MESSAGE_IDS = 32;

/** Endings of a session's turn after which it goes idle (failures and cancellation end the session). */
export const SESSION_TURN_ENDINGS: ReadonlySet<string> = new Set([RUN_STATUSES.final, RUN_STATUSES.maxSteps, RUN_STATUSES.budgetExceeded]);

/**
 * A session's turns: how many were answered, where the current one began (the step cap counts per turn), its last
 * answer, the message that starts the next one and whether the session is closing. The phase (idle or running) is
 * the run machine's; this part holds what the machine does not. No I/O.
 */
export class SessionTurns {
  private answered = 0;
  private startStep = 0;
  private last?: { status: AgentRunStatus; answer: string };
  private nextMessage?: string;
  private closing = false;
  /** When the idle session that handed over ends if no message comes. */
  private idleUntilCarried?: number;
  /** The Update ids of the latest messages (this run's and carried), with the turn each started. */
  private messageIds: Array<{ id: string; turn: number }> = [];

  constructor(carried?: ResumeState['session']) {
    if (!carried) return;
    this.answered = carried.turns;
    this.startStep = carried.turnStartStep;
    this.last = { status: RUN_STATUSES.final, answer: carried.lastAnswer };
    this.idleUntilCarried = carried.idleUntil;
    this.messageIds = [...(carried.messageIds ?? [])];
  }

  get turns(): number {
    return this.answered;
  }

  /** The step the current turn began at. */
  get turnStartStep(): number {
    return this.startStep;
  }

  /** A turn ended with an answer; returns its number. */
  answeredWith(status: AgentRunStatus, answer: string): number {
    this.answered += 1;
    this.last = { status, answer };
    return this.answered;
  }

  /** The answer of the latest turn, as a `send` returns it. */
  latest(): { turn: number; status: string; answer: string } {
    return { turn: this.answered, status: this.last?.status ?? RUN_STATUSES.final, answer: this.last?.answer ?? '' };
  }

  /** The last turn's result, with which a session that ends idle ends. */
  lastResult(): { status: AgentRunStatus; answer: string } | undefined {
    return this.last;
  }

  /**
   * Why a message whose Update id was already taken is refused, naming its turn (or undefined for a new one). Within
   * one run Temporal answers a repeated Update id itself; this catches a repeat that reaches the next run of the chain.
   */
  repeatOf(updateId: string | undefined): string | undefined {
    const seen = updateId === undefined ? undefined : this.messageIds.find((entry) => entry.id === updateId);
    if (!seen) return undefined;
    const id = seen.id.startsWith(MESSAGE_UPDATE_ID_PREFIX) ? seen.id.slice(MESSAGE_UPDATE_ID_PREFIX.length) : seen.id;
    return `message ${id} was already sent: it is turn ${seen.turn}`;
  }

  /** Why a message must be refused while the session is idle (or undefined). */
  refusal(): string | undefined {
    if (this.closing) return 'the session is closing';
    if (this.nextMessage !== undefined) return 'a turn is in progress: wait for its answer, then send the next message';
    return undefined;
  }

  messageArrived(text: string, updateId?: string): void {
    this.nextMessage = text;
    if (updateId !== undefined) this.messageIds = [...this.messageIds, { id: updateId, turn: this.answered + 1 }].slice(-REMEMBERED_MESSAGE_IDS);
  }

  close(): void {
    this.closing = true;
  }

  /** What an idle session waits for: a message, or being closed. */
  get messageOrClose(): 'message' | 'close' | undefined {
    if (this.nextMessage !== undefined) return 'message';
    return this.closing ? 'close' : undefined;
  }

  /** The next turn starts at `step` with the message that arrived; returns its text. */
  begin(step: number): string {
    const text = this.nextMessage ?? '';
    this.nextMessage = undefined;
    this.startStep = step;
    return text;
  }

  /**
   * When an idle session ends if no message comes: `timeoutMs` from now, or the time carried from before a handover
   * while idle (waiting across handovers never extends it).
   */
  idleUntil(timeoutMs: number): number {
    const carried = this.idleUntilCarried;
    this.idleUntilCarried = undefined;
    // Workflow-task time: replay-safe.
    return carried ?? Date.now() + timeoutMs;
  }

  /** What the next run of the chain needs; `inTurn`: it hands over within a turn (waiting for people), not idle. */
  carry(idleUntil: number | undefined, inTurn: boolean): NonNullable<ResumeState['session']> {
    return {
      turns: this.answered,
      turnStartStep: this.startStep,
      lastAnswer: this.last?.answer ?? '',
      ...(idleUntil !== undefined ? { idleUntil } : {}),
      ...(inTurn ? { inTurn: true } : {}),
      ...(this.messageIds.length ? { messageIds: this.messageIds } : {}),
    };
  }
}
