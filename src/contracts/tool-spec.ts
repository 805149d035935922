import { z } from 'zod';
import { AgentDefinitionSchema } from './agent-definition';

/** Retry policy of a tool, in plain milliseconds so it serializes into the tool catalogue. */
export const RetrySpecSchema = z.object({
  maximumAttempts: z.number().int().min(1),
  initialIntervalMs: z.number().int().min(1),
  backoffCoefficient: z.number().min(1),
  maximumIntervalMs: z.number().int().min(1),
});
export type RetrySpec = z.infer<typeof RetrySpecSchema>;

/** What a retry of a tool may cost: `read` and `idempotent` are safe to repeat, `mutating` is not. */
export const ToolEffectsSchema = z.enum(['read', 'idempotent', 'mutating']);
export type ToolEffects = z.infer<typeof ToolEffectsSchema>;

/** How a tool's calls run. The scheduler picks the executor by `kind`; everything it needs is here. */
export const ExecutorSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('activity'),
    /** Activity type the worker registered for this tool. @default the tool's name */
    activityType: z.string().min(1),
    /** Task queue of the workers that run this tool. @default the run's own task queue */
    taskQueue: z.string().min(1).optional(),
  }),
  z.object({
    /** The model asks a person (`ask_user`): the workflow waits for a `reply` Update. */
    kind: z.literal('question'),
  }),
  z.object({
    kind: z.literal('timer'),
    /** Longest wait accepted, in seconds. */
    maxSeconds: z.number().min(0).optional(),
  }),
  z.object({
    /** A named agent (docs/sub-agents.md): a call is a child run of that agent with the goal it is given. */
    kind: z.literal('agent'),
    agent: AgentDefinitionSchema,
  }),
]);
export type Executor = z.infer<typeof ExecutorSchema>;

/**
 * One entry of the tool catalogue that the workflow records in history at the start of a run,
 * so that replay never depends on what a worker has in memory.
 */
export const ToolSpecSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** JSON schema of the input, generated from the tool's zod schema; this is what the model reads. */
  inputSchema: z.record(z.string(), z.unknown()),
  /** Start-to-close timeout of one attempt. */
  timeoutMs: z.number().int().min(1),
  /** Heartbeat timeout for long tools that heartbeat; unset for short tools. */
  heartbeatTimeoutMs: z.number().int().min(1).optional(),
  retry: RetrySpecSchema,
  effects: ToolEffectsSchema,
  /** Input field whose value names a call in the Temporal UI (`read_file README.md`). */
  summaryField: z.string().optional(),
  /** How a call runs: an activity (its type, optionally its own task queue) or a durable workflow timer. */
  executor: ExecutorSchema.optional(),
  /** Every call waits for a person's approval before it runs. */
  requiresApproval: z.boolean().optional(),
  /**
   * The tool's calls are short (a file read, a directory listing): they may run as local activities on the run's own
   * worker, completing inside the workflow task that scheduled them (docs/fast-steps.md).
   */
  fast: z.boolean().optional(),
  /** True when the tool passes its idempotency key to what it changes, so a `mutating` tool may be retried. */
  usesIdempotencyKey: z.boolean().optional(),
  /** @deprecated Catalogues recorded before `executor`: `workflow-timer` for the `wait` built-in. Read by `executorOf`. */
  execution: z.enum(['activity', 'workflow-timer']).optional(),
  /** @deprecated Catalogues recorded before `executor`: the longest wait of a `workflow-timer` tool, in seconds. */
  maxSeconds: z.number().min(0).optional(),
});
export type ToolSpec = z.infer<typeof ToolSpecSchema>;

/** The JSON kind of a tool's output, named when a cut turned it into text. */
export type OutputKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/**
 * A tool output stored outside history (src/outputs/, docs/outputs.md): what the model reads it by with `read_output`.
 * Its text is the string itself, or the value as indented JSON.
 */
export interface OutputRef {
  /** `out_<taskId>_<attempt>_<tag>`: the argument of `read_output`. */
  handle: string;
  /** UTF-8 bytes of the stored text. */
  bytes: number;
  /** What the output was. */
  kind: OutputKind;
}

/** Input of every tool activity. */
export interface ToolActivityInput {
  taskId: string;
  input: unknown;
  /** Stable across retries of this call, different for every other call: `<workflowId>/<taskId>`. */
  idempotencyKey: string;
  /** Largest output kept in history for this call, in bytes of JSON; set by the step's output budget. */
  maxOutputBytes?: number;
  /** `read_output` in a fork: the runs (workflow ids) whose stored outputs it may read besides its own (docs/forks.md). */
  outputsOf?: string[];
  /** Answer from this run's recording when it has a call of the same tool with the same input (docs/forks.md). */
  recording?: RecordedTools;
}

/** Tools answered from a recorded run: a matching call gets its recorded output; another runs live or is refused. */
export interface RecordedTools {
  /** The recorded run's workflow id. */
  from: string;
  /** @default 'live' */
  unmatched?: 'live' | 'refuse';
}

export interface ToolActivityOutput {
  output: unknown;
  attempt: number;
  /** Set when `output` was cut to the output cap: the size of the whole output. */
  outputBytes?: number;
  /** Set when `output` was cut: what it was (`output` is then the text of its head and tail). */
  outputKind?: OutputKind;
  /** Bytes of JSON `output` takes in history. */
  historyBytes?: number;
  /** Set when the whole output was stored outside history: `output` is then a preview of its head and tail. */
  outputRef?: OutputRef;
}
