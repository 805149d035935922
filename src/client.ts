import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, TimeoutFailure, TypedSearchAttributes, WorkflowIdReusePolicy } from '@temporalio/common';
import { connectClient, GRPC_STATUS, grpcStatusOf } from './config/connect';
import { loadTemporalConfig, type TemporalConfig } from './config/temporal-config';
import { AgentRunInputSchema, type AgentRunInput, type AgentRunResult } from './shared/model';
import { isOutcome, RUN_STATUS_WORDS, type RunStatus } from './shared/contracts/status';
import { AGENT_STATE_QUERY } from './shared/queries';
import { AGENT_INPUT_TOKENS, AGENT_OUTPUT_TOKENS, AGENT_SEARCH_ATTRIBUTES, AGENT_STATUS, AGENT_STEP } from './shared/search-attributes';
import type { AgentState } from './workflows/agent/run-state';

export { connectClient, NamespaceNotFoundError, TemporalConnectionLostError, TemporalUnreachableError } from './config/connect';
export { ConfigurationError, loadTemporalConfig, type TemporalConfig } from './config/temporal-config';
export type { AgentRunInput, AgentRunResult, AgentRunStatus } from './shared/model';
export type { AgentState, FinishedCall } from './workflows/agent/run-state';

export const AGENT_WORKFLOW_TYPE = 'agentWorkflow';

/** Raised when no agent run has the given id. */
export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
  constructor(readonly workflowId: string, namespace: string) {
    super(`no agent run with id "${workflowId}" in namespace "${namespace}". List runs with \`durable-agent list\`.`);
  }
}

/**
 * Raised by `state()` when no worker answered the live-state query: none polls the run's task queue (the
 * server says so), or none answered within the time asked for. The server's view (`describe()`) still works.
 */
export class NoWorkerAnsweredError extends Error {
  override name = 'NoWorkerAnsweredError';
  constructor(
    readonly workflowId: string,
    /** Why: `no poller` (the server saw no worker on the queue lately) or `timeout`. */
    readonly reason: 'no poller' | 'timeout',
    cause: unknown,
  ) {
    super(`no worker answered the live-state query of run "${workflowId}" (${reason === 'timeout' ? 'none answered in time' : 'none polls its task queue'})`, { cause });
  }
}

/** Raised by `start` when the workflow id is taken: by a run still going, or (unless allowed) by one that ended. */
export class RunIdTakenError extends Error {
  override name = 'RunIdTakenError';
  constructor(
    readonly workflowId: string,
    /** The shown status of the run that holds the id (`running`, `final`, `terminated`, …). */
    readonly status: string,
  ) {
    super(
      status === 'running'
        ? `a run with id "${workflowId}" is already running: follow it with \`durable-agent status ${workflowId}\` or \`durable-agent result ${workflowId}\`, or choose another --id.`
        : `the id "${workflowId}" belongs to a run that already ended (${status}): see it with \`durable-agent status ${workflowId}\`, and choose another --id for a new run.`,
    );
  }
}

/**
 * Raised by `result()` when the run's execution closed without an agent result: terminated or timed out on the
 * server, cancelled before the workflow could answer, or failed on a bug. The agent's own endings (`failed`,
 * `cancelled`, …) are results, not this error.
 */
export class RunEndedWithoutResultError extends Error {
  override name = 'RunEndedWithoutResultError';
  constructor(
    readonly workflowId: string,
    /** `terminated`, `timed_out`, `cancelled` or `failed`. */
    readonly ending: string,
    detail: string,
  ) {
    super(`run "${workflowId}" ended without a result: ${ENDING_WORDS[ending] ?? ending}${detail ? ` (${detail})` : ''}. See it with \`durable-agent status ${workflowId}\`.`);
  }
}

const ENDING_WORDS: Readonly<Record<string, string>> = {
  terminated: 'it was terminated',
  timed_out: 'it timed out',
  cancelled: 'it was cancelled before it could answer',
  failed: 'its workflow failed',
};

function endingOf(error: WorkflowFailedError): { ending: string; detail: string } {
  const cause = error.cause;
  if (cause instanceof TerminatedFailure) return { ending: 'terminated', detail: cause.message === 'Workflow execution terminated' ? '' : `reason: ${cause.message}` };
  if (cause instanceof TimeoutFailure) return { ending: 'timed_out', detail: '' };
  if (cause instanceof CancelledFailure) return { ending: 'cancelled', detail: '' };
  return { ending: 'failed', detail: cause?.message ?? error.message };
}

/** Raised when a run's input is invalid, before anything is started; names each bad field. */
export class InvalidRunInputError extends Error {
  override name = 'InvalidRunInputError';
}

/** Where a run stands, from the server alone (no worker needed). */
export interface RunDescription {
  workflowId: string;
  runId: string;
  /** Temporal's view: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT. */
  executionStatus: string;
  /**
   * The agent's view, from the search attributes (when registered), reconciled with the execution status by
   * {@link shownAgentStatus}: a run ended from outside (terminated, timed out) says so, not `running`.
   */
  agentStatus?: string;
  /** The task queue whose workers run it. */
  taskQueue: string;
  step?: number;
  inputTokens?: number;
  outputTokens?: number;
  startTime: Date;
  closeTime?: Date;
  goal?: string;
}

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

/**
 * What a closed execution means for a run whose `AgentStatus` still says `running`: the workflow never got to
 * record its end (terminated, timed out, failed on a bug, cancelled from outside before it could publish).
 */
const STATUS_OF_CLOSED_EXECUTION: Readonly<Record<string, string>> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  CONTINUED_AS_NEW: 'continued_as_new',
};

/** The status to show: the recorded agent status, unless it says `running` for an execution that is closed. */
export function shownAgentStatus(executionStatus: string, recorded: string | undefined): string | undefined {
  if (recorded !== 'running') return recorded;
  return STATUS_OF_CLOSED_EXECUTION[executionStatus] ?? recorded;
}

/** Statuses `list` can filter on: the agent's own, plus the ends Temporal imposes from outside. */
export type ListStatus = RunStatus | 'terminated' | 'timed_out';
export const LIST_STATUSES: readonly ListStatus[] = [...RUN_STATUS_WORDS, 'terminated', 'timed_out'];

/** The visibility spelling of each execution status a run can be closed with while its AgentStatus says running. */
const CLOSED_EXECUTION_OF: Readonly<Partial<Record<ListStatus, string>>> = {
  cancelled: 'Canceled',
  failed: 'Failed',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
};

/** Visibility query clause for a listed status, matching {@link shownAgentStatus}: a row shows a status exactly when it matches. */
function listClause(status: ListStatus): string {
  if (status === 'running') return `(AgentStatus = 'running' AND ExecutionStatus = 'Running')`;
  const recorded = isOutcome(status) ? `AgentStatus = '${status}'` : undefined;
  const closed = CLOSED_EXECUTION_OF[status];
  const imposed = closed ? `(AgentStatus = 'running' AND ExecutionStatus = '${closed}')` : undefined;
  return `(${[recorded, imposed].filter(Boolean).join(' OR ')})`;
}

/** Generates a readable, unique run id. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `agent-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Validates a run's input with the workflow's own schema, so mistakes are caught before a run exists. */
export function validateRunInput(input: AgentRunInput): AgentRunInput {
  const parsed = AgentRunInputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
    throw new InvalidRunInputError(`invalid run input: ${problems.join('; ')}`);
  }
  return input;
}

/** A handle on one agent run (the whole continue-as-new chain). */
export class AgentRunHandle {
  constructor(
    private readonly client: Client,
    readonly workflowId: string,
    private readonly namespace: string,
  ) {}

  private handle(): WorkflowHandle {
    return this.client.workflow.getHandle(this.workflowId);
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
      const description = await this.handle().describe();
      const goal = await description.staticSummary();
      const attributes = description.typedSearchAttributes;
      return {
        workflowId: description.workflowId,
        runId: description.runId,
        executionStatus: description.status.name,
        agentStatus: shownAgentStatus(description.status.name, attributes.get(AGENT_STATUS)),
        taskQueue: description.taskQueue,
        step: attributes.get(AGENT_STEP),
        inputTokens: attributes.get(AGENT_INPUT_TOKENS),
        outputTokens: attributes.get(AGENT_OUTPUT_TOKENS),
        startTime: description.startTime,
        ...(description.closeTime ? { closeTime: description.closeTime } : {}),
        ...(goal ? { goal } : {}),
      };
    });
  }

  /**
   * Live state (step, calls in flight, usage) through the workflow's query; needs a worker. Throws
   * {@link NoWorkerAnsweredError} when none answers: at once when the server saw no worker on the run's task queue
   * lately, or after `timeoutMs` (without it, the server's own limit applies).
   */
  async state(options: { timeoutMs?: number } = {}): Promise<AgentState> {
    const query = () => this.handle().query<AgentState>(AGENT_STATE_QUERY);
    const { timeoutMs } = options;
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
      return await this.notFoundAware(() => this.handle().result() as Promise<AgentRunResult>);
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      const { ending, detail } = endingOf(error);
      throw new RunEndedWithoutResultError(this.workflowId, ending, detail);
    }
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

/** The library API for services that trigger and follow agent runs; the CLI is a thin layer over it. */
export class AgentClient {
  private searchAttributesRegistered?: boolean;

  constructor(
    readonly client: Client,
    readonly config: TemporalConfig,
  ) {}

  /** Connects with the same configuration path as the worker (`TEMPORAL_ADDRESS`, envconfig, …). */
  static async connect(config: TemporalConfig = loadTemporalConfig()): Promise<AgentClient> {
    return new AgentClient(await connectClient(config), config);
  }

  /** True when the namespace has the agent search attributes (the embedded dev server registers them). */
  async hasSearchAttributes(): Promise<boolean> {
    if (this.searchAttributesRegistered === undefined) {
      try {
        const response = await this.client.connection.operatorService.listSearchAttributes({ namespace: this.config.namespace });
        const registered = Object.keys(response.customAttributes ?? {});
        this.searchAttributesRegistered = AGENT_SEARCH_ATTRIBUTES.every(({ name }) => registered.includes(name));
      } catch {
        this.searchAttributesRegistered = false;
      }
    }
    return this.searchAttributesRegistered;
  }

  /** Starts a run; the goal becomes the run's summary in the Temporal UI. */
  async start(input: AgentRunInput, options: StartOptions = {}): Promise<AgentRunHandle> {
    validateRunInput(input);
    const searchAttributes = await this.hasSearchAttributes();
    const workflowId = options.workflowId ?? newRunId();
    try {
      await this.startWorkflow(input, workflowId, options, searchAttributes);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      await this.ensureIdFree(workflowId, options);
      throw new RunIdTakenError(workflowId, 'running');
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
    if (holder.executionStatus === 'RUNNING') throw new RunIdTakenError(workflowId, 'running');
    if (!options.allowIdReuse) throw new RunIdTakenError(workflowId, holder.agentStatus ?? holder.executionStatus.toLowerCase());
  }

  private async startWorkflow(input: AgentRunInput, workflowId: string, options: StartOptions, searchAttributes: boolean): Promise<void> {
    await this.client.workflow.start(AGENT_WORKFLOW_TYPE, {
      taskQueue: options.taskQueue ?? this.config.taskQueue,
      workflowId,
      // A running id is always refused (the default conflict policy); an ended one only unless reuse is asked for.
      workflowIdReusePolicy: options.allowIdReuse ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [{ ...input, searchAttributes }],
      staticSummary: input.goal.length > 200 ? `${input.goal.slice(0, 199)}…` : input.goal,
      ...(searchAttributes
        ? { typedSearchAttributes: new TypedSearchAttributes([{ key: AGENT_STATUS, value: 'running' }, { key: AGENT_STEP, value: 0 }]) }
        : {}),
    });
  }

  getHandle(workflowId: string): AgentRunHandle {
    return new AgentRunHandle(this.client, workflowId, this.config.namespace);
  }

  /**
   * Recent runs, newest first. `status` filters on the shown status (the agent's own, reconciled with the
   * execution's, see {@link shownAgentStatus}); it needs the search attributes.
   */
  async list(options: { status?: ListStatus; limit?: number } = {}): Promise<RunDescription[]> {
    const clauses = [`WorkflowType = '${AGENT_WORKFLOW_TYPE}'`];
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
    for await (const execution of this.client.workflow.list({ query: clauses.join(' AND '), pageSize: limit })) {
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
      });
      if (runs.length >= limit) break;
    }
    return runs;
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}

/**
 * Opens a Temporal client from the same validated configuration the worker uses.
 * Fails within a few seconds with `cannot reach Temporal at HOST:PORT` when nothing answers.
 */
export async function createClient(config: TemporalConfig = loadTemporalConfig()): Promise<Client> {
  return connectClient(config);
}
