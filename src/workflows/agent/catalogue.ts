import { proxyActivities } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../shared/errors';
import type { ResolvedAgentRunInput, TaskError, ToolSpec } from '../../shared/model';
import type { ToolAccess } from '../../shared/plan/tasks';
import { CATALOGUE_TIMEOUT_MS } from '../../shared/profiles';

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
  const unknown = [...new Set([...(input.allowedTools ?? []), ...(input.requireApproval ?? [])])].filter((name) => !byName.has(name));
  if (unknown.length > 0) {
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
  const allowed = new Set(input.allowedTools ?? catalogue.map((spec) => spec.name));
  const requireApproval = new Set(input.requireApproval ?? []);
  return { access: { catalogue: byName, allowed, ...(requireApproval.size ? { requireApproval } : {}) }, tools: catalogue.filter((spec) => allowed.has(spec.name)) };
}
