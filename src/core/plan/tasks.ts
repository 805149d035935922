import { ERROR_TYPES } from '../../contracts/error-types';
import { executorOf } from '../execution';
import type { Task, TaskResult } from '../model';
import type { TaskError } from '../../contracts/run-result';
import type { ToolSpec } from '../../contracts/tool-spec';
import { AskUserInputSchema } from '../ask-user-input';
import { WaitInputSchema } from '../wait-input';
import { describeIssues } from '../zod-issues';
import { MAX_ECHO_CHARS, quoteInput } from '../quote-input';
import { schemaProblems } from '../schema-check';
import { failedResult } from '../task-result';
import { referencesIn } from './references';
import type { PlanNode } from './plan';

/** Tools the run may use: the catalogue, narrowed to `allowedTools` when given. */
export interface ToolAccess {
  catalogue: ReadonlyMap<string, ToolSpec>;
  allowed: ReadonlySet<string>;
  /** Tools this run gates besides those declared `requiresApproval` (`AgentRunInput.requireApproval`). */
  requireApproval?: ReadonlySet<string>;
  /** Tools whose calls may run as local activities (`AgentRunInput.fastTools`; runs of the `fastSteps` feature). */
  fast?: ReadonlySet<string>;
}

/** A node ready to run (its task), or already decided without running anything (its result). */
export type PreparedNode = { node: PlanNode; task: Task } | { node: PlanNode; result: TaskResult };

/** One line for the Temporal UI: the tool and its most telling argument, never more than ~80 characters. */
export function callSummary(tool: string, input: unknown, summaryField?: string): string {
  let detail = '';
  if (input && typeof input === 'object') {
    const record = input as Record<string, unknown>;
    const value = summaryField !== undefined ? record[summaryField] : Object.values(record).find((entry) => typeof entry === 'string');
    if (typeof value === 'string' || typeof value === 'number') detail = String(value).replace(/\s+/g, ' ').trim();
  }
  if (detail.length > 60) detail = `${detail.slice(0, 59)}…`;
  return detail ? `${tool} ${detail}` : tool;
}

function failed(node: PlanNode, error: TaskError): PreparedNode {
  return { node, result: failedResult({ id: node.id, callId: node.call.id, tool: node.call.tool }, error) };
}

function invalidInput(node: PlanNode, problem: string): PreparedNode {
  return failed(node, { type: ERROR_TYPES.toolInputInvalid, message: `invalid input for tool ${quoteInput(node.call.tool)}: ${problem}` });
}

/**
 * Derives a node's task from the call and the tool's catalogue entry. Unknown tools, disallowed tools,
 * unparsable arguments and timer inputs out of range become error results here, so nothing is ever
 * scheduled for them. Pure and deterministic.
 */
export function prepareNode(node: PlanNode, access: ToolAccess): PreparedNode {
  const { call } = node;
  const spec = access.catalogue.get(call.tool);
  if (!spec) {
    const known = [...access.allowed].join(', ') || '(none)';
    return failed(node, { type: ERROR_TYPES.toolUnknown, message: `there is no tool named ${quoteInput(call.tool)}; available tools: ${known}` });
  }
  if (!access.allowed.has(call.tool)) return failed(node, { type: ERROR_TYPES.toolNotAllowed, message: `tool ${quoteInput(call.tool)} is not allowed in this run` });
  if (call.inputError !== undefined) return invalidInput(node, call.inputError);
  const executor = executorOf(spec);
  if (executor.kind === 'timer') {
    // The workflow runs timers itself, so it validates their input itself (no activity would).
    const parsed = WaitInputSchema.safeParse(call.input);
    if (!parsed.success) return invalidInput(node, describeIssues(parsed.error, '(input)', 2 * MAX_ECHO_CHARS));
    if (executor.maxSeconds !== undefined && parsed.data.seconds > executor.maxSeconds) {
      return invalidInput(node, `seconds: at most ${executor.maxSeconds} seconds, got ${parsed.data.seconds}`);
    }
  }
  if (executor.kind === 'question') {
    const parsed = AskUserInputSchema.safeParse(call.input);
    if (!parsed.success) return invalidInput(node, describeIssues(parsed.error, '(input)', 2 * MAX_ECHO_CHARS));
  }
  if (executor.kind === 'activity') {
    // The workflow's check, at the sandbox boundary: a call that breaks the tool's JSON Schema as recorded in the
    // run's catalogue is refused before anything is scheduled (the partial check never refuses what a full validator
    // accepts). The tool's activity checks its input once more with its own full validator, at its own boundary: it
    // may run on another worker and build, and it alone sees plan nodes' inputs once their references are resolved.
    const problems = node.name !== undefined && referencesIn(call.input).length > 0 ? [] : schemaProblems(spec.inputSchema, call.input);
    if (problems.length > 0) return invalidInput(node, problems.join('; '));
  }
  const requiresApproval = executor.kind === 'activity' && (spec.requiresApproval === true || access.requireApproval?.has(call.tool) === true);
  // The fast path: on the run's own worker, with no heartbeat and nobody to wait for (docs/fast-steps.md).
  const local = executor.kind === 'activity' && !executor.taskQueue && !spec.heartbeatTimeoutMs && !requiresApproval && access.fast?.has(call.tool) === true;
  const task: Task = {
    id: node.id,
    callId: call.id,
    tool: call.tool,
    input: call.input,
    executor,
    timeoutMs: spec.timeoutMs,
    ...(spec.heartbeatTimeoutMs ? { heartbeatTimeoutMs: spec.heartbeatTimeoutMs } : {}),
    retry: spec.retry,
    summary: callSummary(call.tool, call.input, spec.summaryField),
    ...(requiresApproval ? { requiresApproval, inputSchema: spec.inputSchema } : {}),
    ...(local ? { local } : {}),
  };
  return { node, task };
}
