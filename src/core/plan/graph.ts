import { callsOf } from '../actions';
import { ERROR_TYPES } from '../../contracts/error-types';
import type { AgentAction, Observation, ObservationEntry } from '../model';
import { quoteInput } from '../quote-input';
import { failedResult } from '../task-result';
import { checkPlan, SUBMIT_PLAN_TOOL } from './dag';
import type { PlanNode } from './plan';
import { prepareNode, type PreparedNode, type ToolAccess } from './tasks';

/** A `submit_plan` call whose graph was accepted: it runs as nodes, and its one tool message reports them all. */
export interface AcceptedPlan {
  /** The model's id of the `submit_plan` call. */
  callId: string;
  /** The call's task id (`s<step>-<n>`); node task ids are `<taskId>.<node>`. */
  taskId: string;
  nodes: PlanNode[];
  outline: string;
}

/** Why a tool cannot be a plan node in this run, or undefined when it can. */
function refusalOf(tool: string, access: ToolAccess): string | undefined {
  if (!access.catalogue.has(tool)) return `there is no tool named ${quoteInput(tool)}; available tools: ${[...access.allowed].join(', ') || '(none)'}`;
  if (!access.allowed.has(tool)) return `tool ${quoteInput(tool)} is not allowed in this run`;
  return undefined;
}

/**
 * A step's graph: each plain call is a node without dependencies (`s<step>-<n>`); with `plans`, each `submit_plan`
 * call is checked and becomes its nodes (`s<step>-<n>.<node>`), or, refused, one `PlanInvalid` result and nothing to
 * run. Pure and deterministic.
 */
export function stepGraph(
  action: AgentAction,
  step: number,
  access: ToolAccess,
  plans: boolean,
  /** Calls one answer may run (`maxCallsPerAnswer`): plan nodes count as calls, and a plan that would pass it is refused. */
  maxCalls = Number.POSITIVE_INFINITY,
): { prepared: PreparedNode[]; accepted: AcceptedPlan[] } {
  const prepared: PreparedNode[] = [];
  const accepted: AcceptedPlan[] = [];
  const calls = callsOf(action);
  let planned = calls.filter((call) => !plans || call.tool !== SUBMIT_PLAN_TOOL).length;
  calls.forEach((call, index) => {
    const id = `s${step}-${index + 1}`;
    if (!plans || call.tool !== SUBMIT_PLAN_TOOL) {
      prepared.push(prepareNode({ id, call, dependsOn: [] }, access));
      return;
    }
    const refuse = (problems: string[]) => {
      const message = `the plan was refused and nothing ran: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? ` (and ${problems.length - 20} more)` : ''}`;
      prepared.push({ node: { id, call, dependsOn: [] }, result: failedResult({ id, callId: call.id, tool: SUBMIT_PLAN_TOOL }, { type: ERROR_TYPES.planInvalid, message }) });
    };
    const checked = checkPlan(call, id, { refusal: (tool) => refusalOf(tool, access) });
    if ('problems' in checked) return refuse(checked.problems);
    if (planned + checked.nodes.length > maxCalls) {
      return refuse([`with its ${checked.nodes.length} nodes this answer would run ${planned + checked.nodes.length} calls; at most ${maxCalls} run per answer`]);
    }
    planned += checked.nodes.length;
    prepared.push(...checked.nodes.map((node) => prepareNode(node, access)));
    accepted.push({ callId: call.id, taskId: id, nodes: checked.nodes, outline: checked.outline });
  });
  return { prepared, accepted };
}

/**
 * Folds each accepted plan's node entries into one entry for its `submit_plan` call (the model's protocol wants one
 * tool message per call): a tally line, then one line per node with its bounded preview (each within the summarizer's
 * per-call budget). Pure.
 */
export function foldPlans(observation: Observation, accepted: readonly AcceptedPlan[]): Observation {
  if (accepted.length === 0) return observation;
  let results: ObservationEntry[] = [...observation.results];
  for (const plan of accepted) {
    const prefix = `${plan.callId}#`;
    const first = results.findIndex((entry) => entry.callId.startsWith(prefix));
    const nodes = results.filter((entry) => entry.callId.startsWith(prefix));
    if (first < 0) continue;
    const succeeded = nodes.filter((entry) => entry.ok).length;
    const lines = nodes.map((entry) => {
      const name = entry.callId.slice(prefix.length);
      return `[${name}] ${entry.tool} ${entry.ok ? 'ok' : 'failed'}: ${entry.preview}`;
    });
    const folded: ObservationEntry = {
      id: plan.taskId,
      callId: plan.callId,
      tool: SUBMIT_PLAN_TOOL,
      // The plan ran; failed nodes say so in their lines (an `Error:` tool message would misstate a partly failed plan).
      ok: true,
      preview: [`Plan of ${nodes.length} node${nodes.length === 1 ? '' : 's'}: ${succeeded} succeeded, ${nodes.length - succeeded} failed.`, ...lines].join('\n'),
      bytes: nodes.reduce((total, entry) => total + entry.bytes, 0),
      omittedBytes: nodes.reduce((total, entry) => total + entry.omittedBytes, 0),
    };
    results = [...results.slice(0, first).filter((entry) => !entry.callId.startsWith(prefix)), folded, ...results.slice(first).filter((entry) => !entry.callId.startsWith(prefix))];
  }
  return { ...observation, results };
}
