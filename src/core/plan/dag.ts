import type { ToolCallAction } from '../model';
import type { ToolSpec } from '../../contracts/tool-spec';
import type { PlanNode } from './plan';
import { quoteInput } from '../quote-input';
import { referencesIn } from './references';

/** The tool through which the model submits a plan with dependencies (offered when `planning` is `dag` or `auto`). */
export const SUBMIT_PLAN_TOOL = 'submit_plan';

/** Most nodes one plan may have; a bigger plan is refused whole (`PlanInvalid`) and nothing runs. */
export const MAX_PLAN_NODES = 32;

/** How a node is named: short, so task ids (`s<step>-<call>.<node>`) stay readable in the UI. */
const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** How a run plans: plain tool calls only (`react`), or with `submit_plan` offered too (`auto`), or preferred (`dag`). */
export type PlanningMode = 'react' | 'dag' | 'auto';

const NODE_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: NODE_ID.source, description: 'A short name for this node, unique in the plan (a letter, then letters, digits, _ or -).' },
    tool: { type: 'string', description: 'The tool this node calls.' },
    args: {
      type: 'object',
      description: 'The tool\'s arguments. Any value may be a reference to the output of a node listed in dependsOn: {"$ref": "<node id>"} for its whole output, or {"$ref": "<node id>", "pointer": "/json/pointer"} for a part of it.',
    },
    dependsOn: { type: 'array', items: { type: 'string' }, description: 'Ids of the nodes that must succeed before this one starts.' },
  },
  required: ['id', 'tool', 'args'],
} as const;

const WHEN = {
  dag: 'Use it whenever a task needs more than one tool call: submit every call you can already decide, with their dependencies, in one plan.',
  auto: 'Use it when several calls are needed and some need the results of others; plain tool calls remain fine for independent calls.',
} as const;

/** The `submit_plan` entry of the catalogue the model is offered. Never an activity: the workflow runs the plan itself. */
export function submitPlanSpec(mode: Exclude<PlanningMode, 'react'>): ToolSpec {
  return {
    name: SUBMIT_PLAN_TOOL,
    description:
      'Run several tool calls as one plan: a graph of nodes, each a tool call that may wait for others. Every node starts as soon as all ' +
      'the nodes in its dependsOn have succeeded (independent nodes run in parallel); a node whose dependency failed is skipped. ' +
      'Arguments can use earlier outputs: {"$ref": "a"} is the whole output of node a, {"$ref": "a", "pointer": "/items/0/id"} a part of it ' +
      `(RFC 6901 JSON pointer); a node may only reference nodes listed in its dependsOn. At most ${MAX_PLAN_NODES} nodes; no cycles. ` +
      'You get back one result per node. ' +
      WHEN[mode] +
      ' Example: {"nodes":[{"id":"a","tool":"http_get","args":{"url":"https://example.com/a.json"}},' +
      '{"id":"b","tool":"http_get","args":{"url":"https://example.com/b.json"}},' +
      '{"id":"c","tool":"write_file","args":{"path":"both.txt","content":{"$ref":"a","pointer":"/body"}},"dependsOn":["a","b"]}]}',
    inputSchema: {
      type: 'object',
      properties: { nodes: { type: 'array', minItems: 1, maxItems: MAX_PLAN_NODES, items: NODE_SCHEMA } },
      required: ['nodes'],
    },
    timeoutMs: 1,
    retry: { maximumAttempts: 1, initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 1_000 },
    effects: 'read',
  };
}

/** One node as the model wrote it, before validation. */
interface RawNode {
  id: unknown;
  tool: unknown;
  args: unknown;
  dependsOn: unknown;
}

/** What the workflow needs to know about tools to check a plan. */
export interface PlanToolCheck {
  /** Why the tool cannot be a node (unknown, not allowed), or undefined when it can. */
  refusal(tool: string): string | undefined;
}

/** A checked plan: its nodes in an order where every dependency comes first. */
export interface CheckedPlan {
  nodes: PlanNode[];
  /** The graph as people read it: `a, b → c`. */
  outline: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The nodes of a plan, with the seed's nested shapes flattened: an entry may be `{"parallel": [...]}` or
 * `{"Parallel": {"actions": [...]}}` (a group of independent entries, as in the seed article's `AgentAction`).
 */
function flatten(entries: unknown, problems: string[], depth = 0): RawNode[] {
  if (!Array.isArray(entries)) {
    problems.push('"nodes" must be an array of nodes');
    return [];
  }
  return entries.flatMap((entry, index): RawNode[] => {
    if (!isRecord(entry)) {
      problems.push(`node ${index + 1} is not an object`);
      return [];
    }
    const group = entry.parallel ?? (isRecord(entry.Parallel) ? entry.Parallel.actions : undefined);
    if (group !== undefined) return depth < 8 ? flatten(group, problems, depth + 1) : (problems.push('parallel groups nest too deep'), []);
    return [{ id: entry.id, tool: entry.tool, args: entry.args ?? entry.arguments ?? {}, dependsOn: entry.dependsOn ?? [] }];
  });
}

/**
 * Checks a `submit_plan` call and turns it into graph nodes, deterministically (workflow-safe, no I/O): node shape,
 * the node cap, duplicate ids, unknown or disallowed tools, self-dependencies, dependencies on unknown nodes, cycles,
 * and references to nodes that are unknown or not among the node's dependencies. Any problem refuses the whole plan,
 * so nothing runs; the problems are what the model is told. Node ids become `<taskPrefix>.<node id>`.
 */
export function checkPlan(call: ToolCallAction, taskPrefix: string, tools: PlanToolCheck): CheckedPlan | { problems: string[] } {
  const problems: string[] = [];
  if (call.inputError !== undefined) return { problems: [call.inputError] };
  if (!isRecord(call.input)) return { problems: ['the arguments must be an object {"nodes": [...]}'] };
  const raw = flatten(call.input.nodes, problems);
  if (raw.length === 0 && problems.length === 0) problems.push('the plan has no nodes');
  if (raw.length > MAX_PLAN_NODES) return { problems: [`the plan has ${raw.length} nodes; at most ${MAX_PLAN_NODES} are allowed: split it, or submit the first part now`] };

  const ids = new Set<string>();
  const nodes: Array<{ id: string; tool: string; args: Record<string, unknown>; dependsOn: string[] }> = [];
  raw.forEach((node, index) => {
    const name = typeof node.id === 'string' ? node.id : '';
    if (!NODE_ID.test(name)) return void problems.push(`node ${index + 1}: "id" must be a letter followed by up to 31 letters, digits, _ or -, got ${quoteInput(node.id)}`);
    if (ids.has(name)) return void problems.push(`two nodes have the id "${name}"`);
    ids.add(name);
    if (typeof node.tool !== 'string' || node.tool === '') return void problems.push(`node "${name}": "tool" must name a tool`);
    const refusal = node.tool === SUBMIT_PLAN_TOOL ? 'a plan cannot contain another plan' : tools.refusal(node.tool);
    if (refusal) problems.push(`node "${name}": ${refusal}`);
    if (!isRecord(node.args)) return void problems.push(`node "${name}": "args" must be an object`);
    const dependsOn = Array.isArray(node.dependsOn) && node.dependsOn.every((entry) => typeof entry === 'string') ? [...new Set(node.dependsOn)] : undefined;
    if (!dependsOn) return void problems.push(`node "${name}": "dependsOn" must be an array of node ids`);
    nodes.push({ id: name, tool: node.tool, args: node.args, dependsOn });
  });
  for (const node of nodes) {
    for (const dependency of node.dependsOn) {
      if (dependency === node.id) problems.push(`node "${node.id}" depends on itself`);
      else if (!ids.has(dependency)) problems.push(`node "${node.id}" depends on ${quoteInput(dependency)}, which is not in the plan`);
    }
    for (const reference of referencesIn(node.args)) {
      if (!ids.has(reference.node)) problems.push(`node "${node.id}" references ${quoteInput(reference.node)}, which is not in the plan`);
      else if (!node.dependsOn.includes(reference.node)) problems.push(`node "${node.id}" references "${reference.node}", which is not in its dependsOn`);
      if (reference.problem) problems.push(`node "${node.id}": ${reference.problem}`);
    }
  }
  if (problems.length > 0) return { problems };

  const order = topologicalOrder(nodes);
  if ('cycle' in order) return { problems: [`the nodes ${order.cycle.map((id) => `"${id}"`).join(', ')} depend on each other in a cycle (or on a node in one)`] };
  const byId = new Map(nodes.map((node) => [node.id, node]));
  return {
    nodes: order.ids.map((id) => {
      const node = byId.get(id) as (typeof nodes)[number];
      return {
        id: `${taskPrefix}.${id}`,
        call: { type: 'tool_call', id: `${call.id}#${id}`, tool: node.tool, input: node.args },
        dependsOn: node.dependsOn.map((dependency) => `${taskPrefix}.${dependency}`),
        name: id,
      };
    }),
    outline: outlineOf(nodes),
  };
}

/** Kahn's algorithm, stable in the model's order; the nodes left over are in (or behind) a cycle. */
function topologicalOrder(nodes: ReadonlyArray<{ id: string; dependsOn: readonly string[] }>): { ids: string[] } | { cycle: string[] } {
  const waiting = new Map(nodes.map((node) => [node.id, new Set(node.dependsOn)]));
  const ids: string[] = [];
  for (let progressed = true; progressed && waiting.size > 0; ) {
    progressed = false;
    for (const node of nodes) {
      const needs = waiting.get(node.id);
      if (!needs || [...needs].some((dependency) => waiting.has(dependency))) continue;
      waiting.delete(node.id);
      ids.push(node.id);
      progressed = true;
    }
  }
  return waiting.size > 0 ? { cycle: [...waiting.keys()] } : { ids };
}

/** `a, b → c → d; e`-style text of a graph: each node with what it needs. */
function outlineOf(nodes: ReadonlyArray<{ id: string; tool: string; dependsOn: readonly string[] }>): string {
  return nodes.map((node) => `${node.id} ${node.tool}${node.dependsOn.length ? ` ← ${node.dependsOn.join(', ')}` : ''}`).join('; ');
}
