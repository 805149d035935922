import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { connectClient } from './config/connect';
import { loadTemporalConfig, type TemporalConfig } from './config/temporal-config';
import { AgentRunInputSchema, type AgentRunInput, type AgentRunResult, type AgentRunStatus } from './shared/model';
import { AGENT_STATE_QUERY } from './shared/queries';
import { AGENT_INPUT_TOKENS, AGENT_OUTPUT_TOKENS, AGENT_SEARCH_ATTRIBUTES, AGENT_STATUS, AGENT_STEP } from './shared/search-attributes';
import type { AgentState } from './workflows/agent/run-state';

export { connectClient, TemporalUnreachableError } from './config/connect';
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
  /** The agent's view, from the search attributes (when registered). */
  agentStatus?: string;
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
        agentStatus: attributes.get(AGENT_STATUS),
        step: attributes.get(AGENT_STEP),
        inputTokens: attributes.get(AGENT_INPUT_TOKENS),
        outputTokens: attributes.get(AGENT_OUTPUT_TOKENS),
        startTime: description.startTime,
        ...(description.closeTime ? { closeTime: description.closeTime } : {}),
        ...(goal ? { goal } : {}),
      };
    });
  }

  /** Live state (step, calls in flight, usage) through the workflow's query; needs a worker. */
  async state(): Promise<AgentState> {
    return this.notFoundAware(() => this.handle().query<AgentState>(AGENT_STATE_QUERY));
  }

  /** Waits for the result, following continue-as-new to the last run of the chain. */
  async result(): Promise<AgentRunResult> {
    return this.notFoundAware(() => this.handle().result() as Promise<AgentRunResult>);
  }

  /** Asks the run to stop: calls in flight are cancelled, and the result has status `cancelled`. */
  async cancel(): Promise<void> {
    await this.notFoundAware(() => this.handle().cancel());
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
    await this.client.workflow.start(AGENT_WORKFLOW_TYPE, {
      taskQueue: options.taskQueue ?? this.config.taskQueue,
      workflowId,
      args: [{ ...input, searchAttributes }],
      staticSummary: input.goal.length > 200 ? `${input.goal.slice(0, 199)}…` : input.goal,
      ...(searchAttributes
        ? { typedSearchAttributes: new TypedSearchAttributes([{ key: AGENT_STATUS, value: 'running' }, { key: AGENT_STEP, value: 0 }]) }
        : {}),
    });
    return this.getHandle(workflowId);
  }

  getHandle(workflowId: string): AgentRunHandle {
    return new AgentRunHandle(this.client, workflowId, this.config.namespace);
  }

  /** Recent runs, newest first; `status` filters on the agent's own status (needs the search attributes). */
  async list(options: { status?: AgentRunStatus | 'running'; limit?: number } = {}): Promise<RunDescription[]> {
    const clauses = [`WorkflowType = '${AGENT_WORKFLOW_TYPE}'`];
    if (options.status) {
      if (!(await this.hasSearchAttributes())) {
        throw new InvalidRunInputError(
          `cannot filter by status: the namespace "${this.config.namespace}" has no AgentStatus search attribute. ` +
            'Register it with `temporal operator search-attribute create --name AgentStatus --type Keyword` (the embedded dev server does this itself).',
        );
      }
      clauses.push(`AgentStatus = '${options.status}'`);
    }
    const limit = options.limit ?? 20;
    const runs: RunDescription[] = [];
    for await (const execution of this.client.workflow.list({ query: clauses.join(' AND '), pageSize: limit })) {
      const attributes = execution.typedSearchAttributes;
      runs.push({
        workflowId: execution.workflowId,
        runId: execution.runId,
        executionStatus: execution.status.name,
        agentStatus: attributes.get(AGENT_STATUS),
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
