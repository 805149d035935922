import { Context } from '@temporalio/activity';
import type { PlannerContext, PlannerContextRequest, PlanRequest } from '../../contracts/planner-io';
import type { PromptSeen } from '../../contracts/agent-state';
import type { ToolSpec } from '../../contracts/tool-spec';
import { plannerContextQuery } from '../../contracts/definitions';
import { TranscriptCache } from './transcript-cache';

/** What the model is shown, and whether the worker had it (`cache`) or asked the run (`query`). */
export type ReadContext = PlannerContext & { tools: ToolSpec[]; read?: PromptSeen['read'] };

/** Runs whose catalogue a worker keeps (the oldest is dropped first); a miss costs one larger query. */
const CATALOGUE_CACHE_RUNS = 500;

/**
 * Reads what the model is shown: the one reader of `PlanRequest.delta`. The delta is merged into this worker's
 * {@link TranscriptCache}, and its catalogue (when it carries one) kept per run; when the cache then holds the first
 * `messageCount` messages (the transcript as it was when the plan was scheduled) and the catalogue, they are served
 * from it (`read: 'cache'`). Otherwise the run's own workflow is queried once for that prefix and, when this worker
 * lacks it, the catalogue (`read: 'query'`), and the cache keeps what it returned for the run's next requests.
 */
export function createWorkflowContextReader(
  /** Sends the query; tests inject one. @default through the activity's client */
  query: (request: PlanRequest, args?: PlannerContextRequest) => Promise<PlannerContext> = queryOwnWorkflow,
  transcripts: TranscriptCache = new TranscriptCache(),
): (request: PlanRequest) => Promise<ReadContext> {
  const catalogues = new Map<string, ToolSpec[]>();
  const remember = (key: string, tools: ToolSpec[]) => {
    catalogues.delete(key);
    catalogues.set(key, tools);
    if (catalogues.size > CATALOGUE_CACHE_RUNS) catalogues.delete(catalogues.keys().next().value ?? key);
  };
  return async (request) => {
    const key = `${request.workflowId}/${request.runId}`;
    if (request.delta.tools) remember(key, request.delta.tools);
    const cached = catalogues.get(key);
    const messages = transcripts.read(key, request.delta, request.messageCount);
    if (messages && cached) return { messages, tools: cached, read: 'cache' };
    const context = await query(request, { step: request.step, messageCount: request.messageCount, includeTools: !cached });
    const tools = cached ?? context.tools ?? [];
    if (!cached) remember(key, tools);
    transcripts.store(key, context.messages);
    return { model: context.model, messages: context.messages, tools, read: 'query' };
  };
}

function queryOwnWorkflow(request: PlanRequest, args?: PlannerContextRequest): Promise<PlannerContext> {
  const handle = Context.current().client.workflow.getHandle(request.workflowId, request.runId);
  return args ? handle.query(plannerContextQuery, args) : handle.query(plannerContextQuery);
}
