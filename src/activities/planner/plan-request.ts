import type { PlanRequest, ReceivedPlanRequest } from '../../contracts/planner-io';

/**
 * Reads a plan request of any build as the current shape, whose `delta` is the one way the transcript arrives.
 * The one adapter for requests scheduled before every request carried a delta (so runs in flight keep working):
 * - `context` (the transcript inline, from a local planner) is a delta from 0 with the catalogue, and its `model`
 *   (the run's) is used as that request used it, when the run's input names none;
 * - neither `delta` nor `context` says nothing new: an empty delta at `messageCount` (the cache, or else a query).
 */
export function readPlanRequest(received: ReceivedPlanRequest): PlanRequest {
  const { context, delta, ...request } = received;
  if (delta) return { ...request, delta };
  if (context) {
    const model = request.model ?? context.model;
    return { ...request, ...(model ? { model } : {}), delta: { from: 0, messages: context.messages, tools: context.tools } };
  }
  return { ...request, delta: { from: received.messageCount, messages: [] } };
}
