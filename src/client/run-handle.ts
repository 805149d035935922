import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { GRPC_STATUS, grpcStatusOf } from '../config/connect';
import { agentStateQuery, forkPointQuery, type AgentWorkflow } from '../contracts/definitions';
import type { ForkPoint } from '../contracts/fork';
import type { AgentRunResult } from '../contracts/run-result';
import type { AgentState } from '../contracts/agent-state';
import { endingOf, InteractionRefusedError, NoWorkerAnsweredError, RunEndedWithoutResultError, RunNotFoundError } from './errors';
import type { EventPage, Pending, RunEvent, TurnAnswer } from '../contracts/interaction-schemas';
import type { Budget, BudgetRaise } from '../contracts/run-input';
import type { InteractionArgs, InteractionName, InteractionResult, PauseResult, ResumeResult } from '../contracts/interactions';
import { RunInteraction } from './run-interaction';
import { modelStream, modelTextNow, type ModelStreamOptions } from './model-stream';
import type { ModelStreamChunk, ModelTextDetails } from '../contracts/model-text';
import { classifyServerError } from './server-errors';
import { agentCalls, CALL_PATH_SEPARATOR, CHILD_READ_TIMEOUT_MS, childPart, hasLimits, ownPart, subAgentTree, type SubAgentRun, type TreeNode } from './sub-agent-tree';
import { RUN_STATUSES } from '../contracts/status';
import { runDescriptionOf, type RunDescription } from './run-description';

export { CALL_PATH_SEPARATOR };
export type { RunDescription };

/** A handle on one agent run (the whole continue-as-new chain). */
export class AgentRunHandle {
  constructor(
    private readonly client: Client,
    readonly workflowId: string,
    private readonly namespace: string,
  ) {}

  private readonly interaction = new RunInteraction(() => this.handle());

  private handle(): WorkflowHandle<AgentWorkflow> {
    return this.client.workflow.getHandle<AgentWorkflow>(this.workflowId);
  }

  private async notFoundAware<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new RunNotFoundError(this.workflowId, this.namespace);
      throw error;
    }
  }

  /** The run as the server sees it; works with no worker running. */
  async describe(): Promise<RunDescription> {
    return this.notFoundAware(async () => {
      return runDescriptionOf(await this.handle().describe());
    });
  }

  /**
   * Live state (step, calls in flight, usage) through the workflow's query; needs a worker. Throws
   * {@link NoWorkerAnsweredError} when none answers: at once when the server saw no worker on the run's task queue
   * lately, or after `timeoutMs` (without it, the server's own limit applies).
   */
  async state(options: { timeoutMs?: number } = {}): Promise<AgentState> {
    return this.liveQuery(() => this.handle().query(agentStateQuery), options.timeoutMs);
  }

  /**
   * Where `step` was planned, from one execution of the chain (the latest without `runId`): what `fork` reads
   * (docs/forks.md). Needs a worker, as {@link state} does; a closed execution is answered by replaying it.
   */
  async forkPoint(step: number, options: { runId?: string; timeoutMs?: number } = {}): Promise<ForkPoint> {
    return this.liveQuery(() => this.client.workflow.getHandle<AgentWorkflow>(this.workflowId, options.runId).query(forkPointQuery, { step }), options.timeoutMs);
  }

  /** A query a worker answers, with {@link NoWorkerAnsweredError} when none does. */
  private async liveQuery<T>(query: () => Promise<T>, timeoutMs: number | undefined): Promise<T> {
    try {
      return await this.notFoundAware(() => this.bounded(timeoutMs, query));
    } catch (error) {
      const status = grpcStatusOf(error);
      // Near the deadline the server may give up first and answer CANCELLED (nothing here cancels the call).
      if (status === GRPC_STATUS.deadlineExceeded || (timeoutMs !== undefined && status === GRPC_STATUS.cancelled)) {
        throw new NoWorkerAnsweredError(this.workflowId, 'timeout', error);
      }
      if (status === GRPC_STATUS.failedPrecondition && /no poller/i.test(String((error as Error).cause))) throw new NoWorkerAnsweredError(this.workflowId, 'no poller', error);
      throw error;
    }
  }

  /**
   * Waits for the result, following continue-as-new to the last run of the chain. Throws
   * {@link RunEndedWithoutResultError} for a run ended from outside (terminated, timed out).
   */
  async result(): Promise<AgentRunResult> {
    try {
      return await this.notFoundAware(() => this.handle().result());
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      const { ending, detail } = endingOf(error);
      throw new RunEndedWithoutResultError(this.workflowId, ending, detail);
    }
  }

  /**
   * Calls waiting for a decision and questions waiting for an answer (needs a worker), the run's own and those of its
   * sub-agents (docs/sub-agents.md): a sub-agent's call id is a path, `s1-1/s2-1` (call s2-1 of the agent that call s1-1
   * started), which `approve`, `deny` and `reply` take on this run's handle.
   */
  async pending(): Promise<Pending> {
    const own = await this.notFoundAware(() => this.interaction.pending());
    const children = await this.state({ timeoutMs: CHILD_READ_TIMEOUT_MS }).then((state) => agentCalls(this.workflowId, state), () => []);
    for (const { callId, agent, workflowId } of children) {
      const theirs = await this.child(workflowId).pending().catch(() => undefined);
      if (!theirs) continue;
      for (const approval of theirs.approvals) own.approvals.push({ ...approval, callId: `${callId}${CALL_PATH_SEPARATOR}${approval.callId}`, agents: [agent, ...(approval.agents ?? [])] });
      for (const question of theirs.questions) own.questions.push({ ...question, questionId: `${callId}${CALL_PATH_SEPARATOR}${question.questionId}`, agents: [agent, ...(question.agents ?? [])] });
    }
    return own;
  }

  /**
   * The sub-agents running under this run at every depth, each with its path (`s1-1/s2-1`), the agents along it, its
   * own run id and its live state (docs/sub-agents.md). Needs a worker; empty for a run with none running.
   */
  async subAgents(state?: AgentState): Promise<SubAgentRun[]> {
    const own = state ?? (await this.state({ timeoutMs: CHILD_READ_TIMEOUT_MS }));
    return subAgentTree(this.treeNode(), own);
  }

  private treeNode(): TreeNode {
    return { workflowId: this.workflowId, state: (options) => this.state(options), child: (workflowId) => this.child(workflowId).treeNode() };
  }

  private child(workflowId: string): AgentRunHandle {
    return new AgentRunHandle(this.client, workflowId, this.namespace);
  }

  /** The handle a call id names: this run's for its own calls, a sub-agent's for a path (`s1-1/s2-1`). */
  private route(id: string): { handle: AgentRunHandle; id: string } {
    const at = id.indexOf(CALL_PATH_SEPARATOR);
    if (at < 0) return { handle: this, id };
    return { handle: this.child(`${this.workflowId}.${id.slice(0, at)}`), id: id.slice(at + 1) };
  }

  /** Approves a gated call (a sub-agent's by its path), optionally with edited arguments. @throws InteractionRefusedError */
  async approve(callId: string, options: { arguments?: Record<string, unknown> } = {}): Promise<void> {
    const target = this.route(callId);
    if (target.handle !== this) return target.handle.approve(target.id, options);
    await this.toRunning(() => this.interaction.decide({ callId, decision: 'approve', ...(options.arguments ? { arguments: options.arguments } : {}) }));
  }

  /** Denies a gated call (a sub-agent's by its path); the model sees `ToolDenied` with the reason. @throws InteractionRefusedError */
  async deny(callId: string, reason?: string): Promise<void> {
    const target = this.route(callId);
    if (target.handle !== this) return target.handle.deny(target.id, reason);
    await this.toRunning(() => this.interaction.decide({ callId, decision: 'deny', ...(reason ? { reason } : {}) }));
  }

  /**
   * Answers the model's open question (`ask_user`; a sub-agent's by its path). Without a question id it answers the
   * run's own open question or, when it has none, the one question its sub-agents have open. @throws InteractionRefusedError
   */
  async reply(text: string, questionId?: string): Promise<{ questionId: string }> {
    const id = questionId ?? (await this.onlySubAgentQuestion());
    const target = id !== undefined ? this.route(id) : undefined;
    if (id !== undefined && target && target.handle !== this) {
      const answered = await target.handle.reply(text, target.id);
      return { questionId: `${id.slice(0, id.indexOf(CALL_PATH_SEPARATOR))}${CALL_PATH_SEPARATOR}${answered.questionId}` };
    }
    return this.toRunning(() => this.interaction.reply(text, id));
  }

  private refusal(message: string, cause?: unknown): InteractionRefusedError {
    const error = new InteractionRefusedError(message, cause !== undefined ? { cause } : undefined);
    error.workflowId = this.workflowId;
    return error;
  }

  /** For a reply without an id: the sub-agents' one open question when the run has none of its own (else undefined). */
  private async onlySubAgentQuestion(): Promise<string | undefined> {
    const open = await this.pending().catch(() => undefined);
    if (!open || open.questions.some((question) => !question.questionId.includes(CALL_PATH_SEPARATOR))) return undefined;
    const theirs = open.questions.map((question) => question.questionId);
    if (theirs.length > 1) throw this.refusal(`the run's sub-agents have ${theirs.length} open questions (${theirs.join(', ')}); say which one to answer (--question ID)`);
    return theirs[0];
  }

  /**
   * Sends a session its next message; resolves with that turn's answer. With `messageId`, sending the same message
   * again (a retry after an error that hid whether it arrived) is the same message: the run answers it once and the
   * retry gets that answer (a session remembers its last 32 message ids across continue-as-new; a repeat whose turn
   * is no longer the latest is refused, naming its turn). @throws InteractionRefusedError
   */
  async send(text: string, options: { messageId?: string } = {}): Promise<TurnAnswer> {
    if (options.messageId !== undefined && !/^[\w.:/-]{1,200}$/.test(options.messageId)) {
      throw this.refusal(`messageId must be 1 to 200 letters, digits or . _ : / - (got ${JSON.stringify(options.messageId.slice(0, 40))}); choose another id`);
    }
    return this.toRunning(() => this.interaction.send(text, options));
  }

  /**
   * The answer of a session's turn once it is answered. `send` and `AgentClient.chat` use it when the run handed over
   * to its next run within the turn (it waited for people): their Update was answered `continued`.
   */
  async turnAnswer(turn: number): Promise<TurnAnswer> {
    return this.notFoundAware(() => this.interaction.turnAnswer(turn));
  }

  /** Closes a session: it ends with its last turn's result. @throws InteractionRefusedError */
  async close(): Promise<void> {
    await this.toRunning(() => this.interaction.close());
  }

  /**
   * Raises the run's budget (a run paused on it goes on). When a sub-agent under it waits for budget, the raise goes
   * through it to that sub-agent: see {@link raiseBudgets}. Resolves with the run's budget in force. @throws InteractionRefusedError
   */
  async raiseBudget(raise: BudgetRaise): Promise<Budget> {
    return (await this.raiseBudgets(raise)).budget ?? {};
  }

  /**
   * Raises the budget of the run, or of the sub-agents under it that wait for budget (docs/sub-agents.md). A run with no
   * sub-agent waiting for budget takes the raise itself. Otherwise the run raises those of its own limits the raise goes
   * above, and passes the raise down to each waiting sub-agent, each limit cut to what the run then has left, as when
   * the sub-agent started. Resolves with the run's budget in force and what each sub-agent was given. @throws InteractionRefusedError
   */
  async raiseBudgets(raise: BudgetRaise): Promise<{ budget?: Budget; subAgents: Array<{ path: string; agents: string[]; budget: Budget }> }> {
    const state = await this.state({ timeoutMs: CHILD_READ_TIMEOUT_MS }).catch(() => undefined);
    const tree = state && state.status === RUN_STATUSES.running ? await this.subAgents(state) : [];
    const waiting = tree.filter((run) => run.state.status === RUN_STATUSES.waitingForBudget);
    if (!state || waiting.length === 0) return { budget: await this.toRunning(() => this.interaction.raiseBudget(raise)), subAgents: [] };
    const own = ownPart(raise, state.budget);
    const budget = hasLimits(own) ? await this.toRunning(() => this.interaction.raiseBudget(own)) : state.budget;
    const now = hasLimits(own) ? await this.state({ timeoutMs: CHILD_READ_TIMEOUT_MS }) : state;
    const given: Array<{ path: string; agents: string[]; budget: Budget }> = [];
    for (const call of agentCalls(this.workflowId, now)) {
      const below = waiting.filter((run) => run.workflowId === call.workflowId || run.workflowId.startsWith(`${call.workflowId}.`));
      // The tree read above has the child's state: its budget and what it used do not move while it waits.
      const child = below.length ? tree.find((run) => run.workflowId === call.workflowId)?.state : undefined;
      if (!child) continue;
      const passed = await this.child(call.workflowId)
        .raiseBudgets(childPart(raise, now, child))
        .catch((error: unknown) => {
          if (!(error instanceof InteractionRefusedError)) throw error;
          throw this.refusal(`sub-agent ${call.callId} (${call.agent}) refused the raise: ${error.message}; what it may be given is cut to what this run has left, so raise this run's limits further`, error);
        });
      if (passed.budget && child.status === RUN_STATUSES.waitingForBudget) given.push({ path: call.callId, agents: [call.agent], budget: passed.budget });
      for (const deeper of passed.subAgents) given.push({ path: `${call.callId}${CALL_PATH_SEPARATOR}${deeper.path}`, agents: [call.agent, ...deeper.agents], budget: deeper.budget });
    }
    return { ...(budget ? { budget } : {}), subAgents: given };
  }

  /**
   * Pauses the run: it stops before its next step (calls in flight finish) and waits, at no compute, for `resume`.
   * Answers `paused` when it is paused already, `pausing` when it pauses before its next step. @throws InteractionRefusedError
   */
  async pause(reason?: string): Promise<PauseResult> {
    return this.interact('pause', reason !== undefined ? { reason } : {});
  }

  /** Resumes a paused run (or withdraws a pause not yet in effect). @throws InteractionRefusedError */
  async resume(): Promise<ResumeResult> {
    return this.interact('resume', {});
  }

  /** Any interaction of the table, by name (what the methods above send). @throws InteractionRefusedError */
  async interact<Name extends InteractionName>(name: Name, args: InteractionArgs<Name>): Promise<InteractionResult<Name>> {
    return this.toRunning(() => this.interaction.interact(name, args));
  }

  /**
   * Sends something to a run that must still be going: one that has ended says so (Temporal answers "not found"), and
   * a refusal by the server (too many requests in flight, …) becomes a `ServerRequestError` that names the run.
   */
  private async toRunning<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await this.notFoundAware(send);
    } catch (error) {
      if (error instanceof InteractionRefusedError) {
        error.workflowId ??= this.workflowId;
        throw error;
      }
      if (!(error instanceof RunNotFoundError)) throw classifyServerError(error, this.workflowId) ?? error;
      const description = await this.describe();
      throw new InteractionRefusedError(`the run has ended (${description.agentStatus ?? description.executionStatus.toLowerCase()}); there is nothing to decide or answer`, { cause: error });
    }
  }

  /**
   * The run's events from an offset, as they come, until it ends, following continue-as-new. Read by query: nothing
   * enters the run's history and no Update slot is taken, however many followers there are. Polls come `minIntervalMs`
   * apart while events come (default 500 ms) and back off to `maxIntervalMs` (default 2 s) while none do. A live run
   * needs a worker; an ended run's log is read from its memo on the server. Abort `signal` to stop early.
   */
  events(options: { from?: number; signal?: AbortSignal; minIntervalMs?: number; maxIntervalMs?: number } = {}): AsyncGenerator<RunEvent> {
    return this.interaction.events(options);
  }

  /**
   * The model's text as it writes, for every model call from now until the run ends: `text` to append, `reset` when a
   * call is retried (drop what this step showed), `gap`, `calls` (tool calls begun) and `done` (docs/streaming.md).
   * Read from the run's pending model call on the server: nothing enters its history, no Update is taken, and a
   * stream opened late starts with the text so far. Abort `signal` to stop early.
   */
  stream(options: ModelStreamOptions = {}): AsyncGenerator<ModelStreamChunk> {
    return modelStream(this.handle(), options);
  }

  /** The text so far of the model call under way (docs/streaming.md), or undefined when the model is not writing. */
  async modelText(): Promise<ModelTextDetails | undefined> {
    return this.notFoundAware(() => modelTextNow(this.handle()));
  }

  /**
   * One page of the run's event log from `from` (at most `limit` events): by query while the run is open (needs a
   * worker), from its memo on the server once it has ended (no worker; runs that ended without one are queried).
   */
  async eventPage(options: { from?: number; limit?: number } = {}): Promise<EventPage> {
    return this.notFoundAware(() => this.interaction.readPage(options.from ?? 0, options.limit));
  }

  /**
   * Asks the run to stop: calls in flight are cancelled, and the result has status `cancelled`. With
   * `timeoutMs` the request itself gives up then (a gRPC deadline) instead of retrying an unreachable server.
   */
  async cancel(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.notFoundAware(() => this.bounded(options.timeoutMs, () => this.handle().cancel()));
  }

  /** Ends the run at once on the server, with no say for the workflow (for runs no worker will ever resume). */
  async terminate(reason: string, options: { timeoutMs?: number } = {}): Promise<void> {
    await this.notFoundAware(() => this.bounded(options.timeoutMs, () => this.handle().terminate(reason)));
  }

  private async bounded<T>(timeoutMs: number | undefined, call: () => Promise<T>): Promise<T> {
    return timeoutMs === undefined ? call() : this.client.connection.withDeadline(Date.now() + timeoutMs, call);
  }
}

