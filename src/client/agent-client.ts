import { randomBytes } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { TypedSearchAttributes, WorkflowIdReusePolicy } from '@temporalio/common';
import { connectClient } from '../config/connect';
import { loadTemporalConfig, type TemporalConfig } from '../config/temporal-config';
import { AGENT_WORKFLOW_TYPE, EVAL_WORKFLOW_TYPE, sendUpdate, type AgentWorkflow, type EvalWorkflow } from '../contracts/definitions';
import type { TurnAnswer } from '../contracts/interaction-schemas';
import { AgentRunInputSchema, type AgentRunInput } from '../contracts/run-input';
import type { AgentWorkflowInput } from '../contracts/workflow-input';
import { ungatedApprovalEntries, ungatedApprovalMessage } from '../core/approval-gates';
import { RUN_STATUSES } from '../contracts/status';
import { AGENT_COST_USD, AGENT_FORK_OF, AGENT_GOAL, AGENT_INPUT_TOKENS, AGENT_OUTPUT_TOKENS, AGENT_SEARCH_ATTRIBUTES, AGENT_STATUS, AGENT_STEP, goalAttribute } from '../contracts/search-attributes';
import { describeIssues } from '../core/zod-issues';
import { InteractionRefusedError, InvalidRunInputError, NoWorkerAnsweredError, RunIdTakenError, RunNotFoundError } from './errors';
import { AgentRunHandle, type RunDescription } from './run-handle';
import { classifyServerError } from './server-errors';
import { sessionEndedError } from './session-ending';
import { listClause, shownAgentStatus, type ListStatus } from './run-status';
import { resolveUiUrl } from './ui-url';
import { newestRuns } from './run-list';
import { prepareFork, type ForkOptions } from './fork-run';
import { EvalHandle, evalInput, parseSuite, type EvalOptions } from './eval-run';
import { FORK_MEMO, forkDetails, type ForkSeed } from '../contracts/fork';

export interface StartOptions {
  /** @default `agent-<date>-<random>` */
  workflowId?: string;
  /** @default the configured task queue (`TEMPORAL_TASK_QUEUE`, "durable-agent") */
  taskQueue?: string;
  /**
   * Start a new run even when a run that already ended has this `workflowId`. By default such an id is refused
   * with {@link RunIdTakenError}, so reusing an id never silently starts over. An id whose run is still going is
   * always refused.
   * @default false
   */
  allowIdReuse?: boolean;
}

/** Generates a readable, unique run id. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `agent-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Validates a run's input with the workflow's own schema, so mistakes are caught before a run exists; also refuses
 * `requireApproval` entries that would gate nothing (`wait`, `ask_user`: not activities). That check lives here, not
 * in the schema, so runs started before it still replay. Give `catalogue` (the tool names the run will see) to
 * refuse patterns that match only those too.
 * @throws InvalidRunInputError
 */
export function validateRunInput(input: AgentRunInput, catalogue?: readonly string[]): AgentRunInput {
  const parsed = AgentRunInputSchema.strict().safeParse(input);
  if (!parsed.success) throw new InvalidRunInputError(`invalid run input: ${describeIssues(parsed.error, 'input')}`);
  const ungated = ungatedApprovalEntries(input.requireApproval ?? [], catalogue);
  if (ungated.length > 0) throw new InvalidRunInputError(`invalid run input: ${ungatedApprovalMessage(ungated)}`);
  return input;
}

/** The library API for services that trigger and follow agent runs; the CLI is a thin layer over it. */
export class AgentClient {
  private searchAttributesRegistered?: boolean;
  /** The namespace has `AgentGoal` (it came after the others: a namespace may lack it). */
  private goalAttributeRegistered = false;
  /** The namespace has `AgentCostUsd` (it came after `AgentGoal`). */
  private costAttributeRegistered = false;
  /** The namespace has `AgentForkOf`. */
  private forkAttributeRegistered = false;
  private knownUiUrl?: Promise<string | undefined>;

  constructor(
    readonly client: Client,
    readonly config: TemporalConfig,
  ) {}

  /** Connects with the same configuration path as the worker (`TEMPORAL_ADDRESS`, envconfig, …). */
  static async connect(config: TemporalConfig = loadTemporalConfig()): Promise<AgentClient> {
    return new AgentClient(await connectClient(config), config);
  }

  /**
   * Whether a worker polls `taskQueue` (default: the configured one) for workflow tasks: true when one did lately (the
   * server remembers pollers for a few minutes), false when none did, undefined when the server did not say within
   * `timeoutMs` (default 3 s).
   */
  async workerPolls(taskQueue: string = this.config.taskQueue, timeoutMs = 3_000): Promise<boolean | undefined> {
    try {
      const response = await this.client.connection.withDeadline(Date.now() + timeoutMs, () =>
        this.client.workflowService.describeTaskQueue({ namespace: this.config.namespace, taskQueue: { name: taskQueue } }),
      );
      return (response.pollers ?? []).length > 0;
    } catch {
      return undefined;
    }
  }

  /** Where the server's Web UI is (`TEMPORAL_UI_URL`, what the server recorded, or the loopback convention), once per client. */
  async uiUrl(): Promise<string | undefined> {
    this.knownUiUrl ??= resolveUiUrl(this.client, this.config.namespace, this.config.address);
    return this.knownUiUrl;
  }

  /** The Web UI's link to one run, when the UI's address is known. */
  async runUrl(workflowId: string): Promise<string | undefined> {
    const base = await this.uiUrl();
    return base ? `${base}/namespaces/${encodeURIComponent(this.config.namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;
  }

  /** True when the namespace has the agent search attributes (the embedded dev server registers them). */
  async hasSearchAttributes(): Promise<boolean> {
    if (this.searchAttributesRegistered === undefined) {
      try {
        const response = await this.client.connection.operatorService.listSearchAttributes({ namespace: this.config.namespace });
        const registered = Object.keys(response.customAttributes ?? {});
        this.searchAttributesRegistered = AGENT_SEARCH_ATTRIBUTES.every(({ name, optional }) => optional || registered.includes(name));
        this.goalAttributeRegistered = registered.includes(AGENT_GOAL.name);
        this.costAttributeRegistered = registered.includes(AGENT_COST_USD.name);
        this.forkAttributeRegistered = registered.includes(AGENT_FORK_OF.name);
      } catch {
        this.searchAttributesRegistered = false;
      }
    }
    return this.searchAttributesRegistered;
  }

  /** Starts a run; the goal becomes the run's summary in the Temporal UI. */
  async start(input: AgentRunInput, options: StartOptions = {}): Promise<AgentRunHandle> {
    return this.startRun(input, options);
  }

  /**
   * Starts a fork of run `workflowId` at step `options.atStep` (docs/forks.md): a new run whose transcript is what the
   * model saw when the original planned that step; nothing before it runs again. Reads the original through its
   * workers' queries, so a worker must serve the original's task queue (an ended run is read by replaying it).
   * @throws RunNotFoundError, NoWorkerAnsweredError, InvalidRunInputError
   */
  async fork(workflowId: string, options: ForkOptions): Promise<AgentRunHandle> {
    const original = this.getHandle(workflowId);
    const { taskQueue: originalQueue } = await original.describe();
    // Its workers answer where the step was; with none lately, say so at once rather than wait for a query to time out.
    if ((await this.workerPolls(originalQueue)) === false) throw new NoWorkerAnsweredError(workflowId, 'no poller', undefined);
    const url = await this.runUrl(workflowId);
    const { input, fork } = await prepareFork(original, options, url);
    return this.startRun(input, { taskQueue: options.taskQueue ?? originalQueue, ...(options.workflowId ? { workflowId: options.workflowId } : {}) }, fork);
  }

  /**
   * Starts an eval (docs/evals.md): every case of `suite` under each chosen variant, as child runs of a durable eval
   * workflow, `concurrency` at a time. The suite is checked here; a `fromRun` case's goal is read from its run.
   * @throws InvalidRunInputError, RunNotFoundError
   */
  async startEval(suite: unknown, options: EvalOptions = {}): Promise<EvalHandle> {
    const searchAttributes = await this.hasSearchAttributes();
    const flags = { ...(searchAttributes ? { searchAttributes } : {}), ...(searchAttributes && this.costAttributeRegistered ? { costAttribute: true } : {}) };
    const input = await evalInput(this.client, this.config.namespace, parseSuite(suite), options, flags);
    const evalId = options.evalId ?? newRunId().replace(/^agent-/, 'eval-');
    try {
      await this.client.workflow.start<EvalWorkflow>(EVAL_WORKFLOW_TYPE, {
        workflowId: evalId,
        taskQueue: options.taskQueue ?? this.config.taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `eval ${input.suite}: ${input.cases.length} cases × ${input.variants.length} variants`,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw new InvalidRunInputError(`an eval (or run) with id "${evalId}" exists already: give the eval another id`);
      throw error;
    }
    return new EvalHandle(this.client, evalId);
  }

  /** A handle on an eval started before. */
  getEvalHandle(evalId: string): EvalHandle {
    return new EvalHandle(this.client, evalId);
  }

  private async startRun(input: AgentRunInput, options: StartOptions, fork?: ForkSeed): Promise<AgentRunHandle> {
    validateRunInput(input);
    const searchAttributes = await this.hasSearchAttributes();
    const workflowId = options.workflowId ?? newRunId();
    try {
      await this.startWorkflow(input, workflowId, options, searchAttributes, fork);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      await this.ensureIdFree(workflowId, options);
      throw new RunIdTakenError(workflowId, RUN_STATUSES.running);
    }
    return this.getHandle(workflowId);
  }

  /**
   * Throws {@link RunIdTakenError} when `start` would refuse this id: a run with it is going, or one ended and
   * `allowIdReuse` is not set. Lets a caller fail before it prepares anything; `start` checks again on the server.
   */
  async ensureIdFree(workflowId: string, options: Pick<StartOptions, 'allowIdReuse'> = {}): Promise<void> {
    let holder: RunDescription;
    try {
      holder = await this.getHandle(workflowId).describe();
    } catch (error) {
      if (error instanceof RunNotFoundError) return;
      throw error;
    }
    if (holder.executionStatus === 'RUNNING') throw new RunIdTakenError(workflowId, RUN_STATUSES.running);
    if (!options.allowIdReuse) throw new RunIdTakenError(workflowId, holder.agentStatus ?? holder.executionStatus.toLowerCase());
  }

  /** What a run starts with in the UI's list: its status, step 0 and, when the namespace has it, its goal (set once). */
  private startAttributes(status: string, goal: string, fork?: ForkSeed): TypedSearchAttributes {
    // With encryption on, the goal stays out of search attributes: the server stores those in plain text.
    const goalPair = this.goalAttributeRegistered && !this.config.encryption ? [{ key: AGENT_GOAL, value: goalAttribute(goal) }] : [];
    const forkPair = fork && this.forkAttributeRegistered ? [{ key: AGENT_FORK_OF, value: fork.workflowId }] : [];
    return new TypedSearchAttributes([{ key: AGENT_STATUS, value: status }, { key: AGENT_STEP, value: fork ? fork.atStep - 1 : 0 }, ...goalPair, ...forkPair]);
  }

  /** The workflow's input: the run's, plus which of the agent search attributes the run may upsert. */
  private workflowInput(input: AgentRunInput, searchAttributes: boolean): AgentWorkflowInput {
    return { ...input, searchAttributes, ...(searchAttributes && this.costAttributeRegistered ? { costAttribute: true } : {}) };
  }

  private async startWorkflow(input: AgentRunInput, workflowId: string, options: StartOptions, searchAttributes: boolean, fork?: ForkSeed): Promise<void> {
    // A fork says where it comes from in its memo (read by `status` without a worker) and in the UI's details.
    const { seed: _seed, lineage: _lineage, ...origin } = fork ?? { lineage: [] };
    await this.client.workflow.start<AgentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: options.taskQueue ?? this.config.taskQueue,
      workflowId,
      // A running id is always refused (the default conflict policy); an ended one only unless reuse is asked for.
      workflowIdReusePolicy: options.allowIdReuse ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [{ ...this.workflowInput(input, searchAttributes), ...(fork ? { fork } : {}) }],
      staticSummary: input.goal.length > 200 ? `${input.goal.slice(0, 199)}…` : input.goal,
      ...(fork ? { memo: { [FORK_MEMO]: origin }, staticDetails: forkDetails(fork) } : {}),
      ...(searchAttributes
        ? { typedSearchAttributes: this.startAttributes(RUN_STATUSES.running, input.goal, fork) }
        : {}),
    });
  }

  /**
   * Sends a message to the session `sessionId`, starting the session if no run has that id (update-with-start, so
   * the same call works either way), and waits for that turn's answer. A new session takes `input` (its goal
   * names it; `session` and `startIdle` are set here). An id whose session (or run) has ended is never reused:
   * {@link SessionEndedError} says how it ended (closed, idle timeout, …), and nothing is sent.
   * @throws SessionEndedError, InteractionRefusedError, ServerRequestError
   */
  async chat(sessionId: string, text: string, options: { input?: Omit<AgentRunInput, 'session' | 'startIdle'>; taskQueue?: string } = {}): Promise<TurnAnswer> {
    const input: AgentRunInput = { ...(options.input ?? { goal: `Chat session ${sessionId}` }), session: true, startIdle: true };
    validateRunInput(input);
    const searchAttributes = await this.hasSearchAttributes();
    const startWorkflowOperation = new WithStartWorkflowOperation<AgentWorkflow>(AGENT_WORKFLOW_TYPE, {
      workflowId: sessionId,
      taskQueue: options.taskQueue ?? this.config.taskQueue,
      // A running session takes the message; an ended id is refused (by default a closed id would start over).
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [this.workflowInput(input, searchAttributes)],
      staticSummary: input.goal.length > 200 ? `${input.goal.slice(0, 199)}…` : input.goal,
      ...(searchAttributes ? { typedSearchAttributes: this.startAttributes(RUN_STATUSES.idle, input.goal) } : {}),
    });
    try {
      const answer = await this.client.workflow.executeUpdateWithStart(sendUpdate, { args: [{ text }], startWorkflowOperation });
      // The run handed over within the turn (it waited for people): the answer comes from the next run.
      return answer.continued ? await this.getHandle(sessionId).turnAnswer(answer.turn) : answer;
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        throw new InteractionRefusedError(error.cause instanceof Error ? error.cause.message : error.message, { cause: error });
      }
      // The id is held by a closed run (or the session ended just as the message came).
      if (error instanceof WorkflowExecutionAlreadyStartedError || error instanceof WorkflowNotFoundError) {
        const holder = await this.getHandle(sessionId).describe();
        if (holder.executionStatus !== 'RUNNING') throw await sessionEndedError(this.client, holder);
      }
      throw classifyServerError(error, sessionId) ?? error;
    }
  }

  getHandle(workflowId: string): AgentRunHandle {
    return new AgentRunHandle(this.client, workflowId, this.config.namespace);
  }

  /**
   * Recent runs, newest first. `status` filters on the shown status (the agent's own, reconciled with the
   * execution's, see {@link shownAgentStatus}); it needs the search attributes. `forksOf` lists the forks of a run
   * (it needs `AgentForkOf`).
   */
  async list(options: { status?: ListStatus; limit?: number; forksOf?: string } = {}): Promise<RunDescription[]> {
    const clauses = [`WorkflowType = '${AGENT_WORKFLOW_TYPE}'`];
    if (options.forksOf !== undefined) {
      await this.hasSearchAttributes();
      if (!this.forkAttributeRegistered) {
        throw new InvalidRunInputError(
          `cannot list forks: the namespace "${this.config.namespace}" has no AgentForkOf search attribute. ` +
            'Register it with `temporal operator search-attribute create --name AgentForkOf --type Keyword` (the embedded dev server does this itself); forks started before that are not found.',
        );
      }
      // A workflow id in a visibility query: a string literal, its quotes and backslashes escaped.
      clauses.push(`${AGENT_FORK_OF.name} = '${options.forksOf.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
    }
    if (options.status) {
      if (!(await this.hasSearchAttributes())) {
        throw new InvalidRunInputError(
          `cannot filter by status: the namespace "${this.config.namespace}" has no AgentStatus search attribute. ` +
            'Register it with `temporal operator search-attribute create --name AgentStatus --type Keyword` (the embedded dev server does this itself).',
        );
      }
      clauses.push(listClause(options.status));
    }
    const limit = options.limit ?? 20;
    const runs: RunDescription[] = [];
    for (const execution of await newestRuns(this.client, clauses.join(' AND '), limit)) {
      const attributes = execution.typedSearchAttributes;
      runs.push({
        workflowId: execution.workflowId,
        runId: execution.runId,
        executionStatus: execution.status.name,
        agentStatus: shownAgentStatus(execution.status.name, attributes.get(AGENT_STATUS)),
        taskQueue: execution.taskQueue,
        step: attributes.get(AGENT_STEP),
        inputTokens: attributes.get(AGENT_INPUT_TOKENS),
        outputTokens: attributes.get(AGENT_OUTPUT_TOKENS),
        startTime: execution.startTime,
        ...(execution.closeTime ? { closeTime: execution.closeTime } : {}),
        ...(attributes.get(AGENT_GOAL) ? { goal: attributes.get(AGENT_GOAL) } : {}),
        ...(attributes.get(AGENT_COST_USD) !== undefined ? { costUsd: attributes.get(AGENT_COST_USD) } : {}),
        ...(attributes.get(AGENT_FORK_OF) ? { forkOf: attributes.get(AGENT_FORK_OF) } : {}),
      });
    }
    return runs;
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}

