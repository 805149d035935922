import { patched, proxyActivities } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../shared/errors';
import type { ResolvedAgentRunInput, TaskError, ToolSpec } from '../../shared/model';
import type { ToolAccess } from '../../shared/plan/tasks';
import { CATALOGUE_TIMEOUT_MS } from '../../shared/profiles';
import { expandToolNames, isToolPattern } from '../../shared/tool-patterns';
import { PATCHES } from './patches';

const { describeTools } = proxyActivities<{ describeTools(): Promise<ToolSpec[]> }>({
  startToCloseTimeout: CATALOGUE_TIMEOUT_MS,
  retry: { maximumAttempts: 5 },
});

/** The run's tools, or why the run cannot start (it allows tools no worker registered). */
export type CatalogueOutcome = { access: ToolAccess; tools: ToolSpec[] } | { problem: { answer: string; error: TaskError } };

/**
 * Records the tool catalogue in history (replay never depends on what a worker has in memory) and narrows it
 * to `allowedTools`.
 */
export async function loadCatalogue(input: Pick<ResolvedAgentRunInput, 'allowedTools' | 'requireApproval'>): Promise<CatalogueOutcome> {
  const catalogue = await describeTools();
  const byName = new Map(catalogue.map((spec) => [spec.name, spec]));
  const named = [...(input.allowedTools ?? []), ...(input.requireApproval ?? [])];
  // Patterns (`github__*`) name every matching tool; runs started before patterns existed took `*` literally.
  if (named.some(isToolPattern) && patched(PATCHES.toolPatterns)) return narrowed(catalogue, byName, input);
  const unknown = [...new Set(named)].filter((name) => !byName.has(name));
  if (unknown.length > 0) return unknownTools(unknown, catalogue);
  return accessOf(catalogue, byName, new Set(input.allowedTools ?? catalogue.map((spec) => spec.name)), new Set(input.requireApproval ?? []));
}

/** The catalogue narrowed by names and patterns; an entry that names no tool is a problem, as a plain unknown name is. */
function narrowed(catalogue: ToolSpec[], byName: Map<string, ToolSpec>, input: Pick<ResolvedAgentRunInput, 'allowedTools' | 'requireApproval'>): CatalogueOutcome {
  const names = catalogue.map((spec) => spec.name);
  const allowedTools = input.allowedTools ? expandToolNames(input.allowedTools, names) : { names, unmatched: [] };
  const gated = expandToolNames(input.requireApproval ?? [], names);
  const unmatched = [...new Set([...allowedTools.unmatched, ...gated.unmatched])];
  if (unmatched.length > 0) return unknownTools(unmatched, catalogue);
  return accessOf(catalogue, byName, new Set(allowedTools.names), new Set(gated.names));
}

function unknownTools(unknown: readonly string[], catalogue: readonly ToolSpec[]): CatalogueOutcome {
  return {
    problem: {
      answer: `The run names tools that no worker registered: ${unknown.join(', ')}.`,
      error: {
        type: ERROR_TYPES.agentInputInvalid,
        message: `unknown tools in allowedTools or requireApproval: ${unknown.join(', ')}; registered tools: ${catalogue.map((spec) => spec.name).join(', ') || '(none)'}`,
      },
    },
  };
}

/** The access a run has: the allowed tools and the gated ones. */
function accessOf(catalogue: readonly ToolSpec[], byName: Map<string, ToolSpec>, allowed: Set<string>, requireApproval: Set<string>): CatalogueOutcome {
  return { access: { catalogue: byName, allowed, ...(requireApproval.size ? { requireApproval } : {}) }, tools: catalogue.filter((spec) => allowed.has(spec.name)) };
}
