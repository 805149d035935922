import { ApplicationFailure } from '@temporalio/activity';
import { createOpenAIClient, type ModelConfig } from '../config/model-config';
import { ERROR_TYPES } from '../contracts/error-types';
import type { PlanRequest, PlanResult } from '../contracts/planner-io';
import type { OutputStore } from '../outputs/output-store';
import type { AnyTool } from '../tools/define-workflow-tool';
import { createToolRegistry, type ToolRegistry } from '../tools/registry';
import { createPlannerActivities, type PlannerDependencies } from './planner/plan-activity';
import { createToolActivities } from './tool-activities';
import { createEvalActivities } from './eval-activities';
import type { AgentDefinition } from '../contracts/agent-definition';
import { agentToolSpec } from '../core/sub-agents';

/** What activities depend on; tests inject fakes here instead of mocking modules. */
export interface ActivityDependencies {
  /** Tools offered to agents: a list, or a registry that may grow after the worker started (see `unavailable`). @default [] */
  tools?: readonly AnyTool[] | ToolRegistry;
  /**
   * Set when `tools` may grow (MCP servers that connect late): tools added later run through the SDK's `default`
   * activity, and this says why a tool not (yet) here cannot run (`McpServerUnavailable`, retried). @default unset
   */
  unavailable?: (activityType: string) => string | undefined;
  /** The model: a config (the `openai` client is built from it) or ready planner dependencies. */
  model?: ModelConfig | PlannerDependencies;
  /** A tool worker: its tools only, no planner. @default false */
  toolsOnly?: boolean;
  /** Where tool outputs too large for history are stored (docs/outputs.md); unset: they are cut. @default none */
  outputs?: OutputStore;
  /** Named agents offered as tools (`agent__<name>`, docs/sub-agents.md): listed in the catalogue. @default none */
  agents?: readonly AgentDefinition[];
}

function plannerDependencies(model: ActivityDependencies['model']): PlannerDependencies | undefined {
  if (!model) return undefined;
  if ('openai' in model) return model;
  if (!model.apiKey && !model.baseURL) return undefined;
  return {
    openai: createOpenAIClient(model),
    defaultModel: model.defaultModel,
    apiKey: model.apiKey,
    streamIdleTimeoutMs: model.requestTimeoutMs,
    ...(model.prices ? { prices: model.prices } : {}),
    ...(model.stream === false ? { stream: false } : {}),
    ...(model.extraBody ? { extraBody: model.extraBody } : {}),
    ...(model.handoffAfterMs !== undefined ? { handoffAfterMs: model.handoffAfterMs } : {}),
  };
}

const isToolList = (tools: readonly AnyTool[] | ToolRegistry): tools is readonly AnyTool[] => Array.isArray(tools);

/** Used when no model is configured: fails the first model call at once with what to do. */
const noModel = {
  async plan(_request: PlanRequest): Promise<PlanResult> {
    throw ApplicationFailure.create({
      type: ERROR_TYPES.modelNotConfigured,
      message: 'no model is configured on this worker: set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server), or run with the scripted model (--script)',
      nonRetryable: true,
    });
  },
};

/** Builds every activity the worker registers: the planner, one activity per tool, the catalogue. */
export function createActivities(dependencies: ActivityDependencies = {}) {
  const given = dependencies.tools ?? [];
  const registry = isToolList(given) ? createToolRegistry(given) : given;
  const tools = createToolActivities(registry, {
    ...(dependencies.unavailable ? { unavailable: dependencies.unavailable } : {}),
    ...(dependencies.outputs ? { outputs: dependencies.outputs } : {}),
  });
  if (dependencies.toolsOnly) return tools;
  const planner = plannerDependencies(dependencies.model);
  // The named agents join the catalogue as tools that run as child runs (the workflow's `agent` executor).
  const agents = dependencies.agents ?? [];
  const describeTools = async () => [...(await tools.describeTools()), ...agents.map(agentToolSpec)];
  return { ...tools, describeTools, ...(planner ? createPlannerActivities(planner) : noModel), ...createEvalActivities() };
}

export type Activities = ReturnType<typeof createActivities>;
