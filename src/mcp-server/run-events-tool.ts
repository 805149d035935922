import { z } from 'zod';
import { RunProgress, type AgentRunHandle, type EventPage, type RunEvent } from '../client';
import { defineMcpTool, type McpToolContext } from './mcp-tool';
import { bounded, describeRun, liveState, pause, SERVER_CALL_MS } from './run-access';
import { RUN_ID, waitSecondsInput } from './tool-inputs';

/** Most events one call returns (the `events` query's own cap is higher; an MCP answer should stay readable). */
const MAX_EVENTS = 500;
const DEFAULT_EVENTS = 100;
/** How often a waiting `run_events` looks again: a query reads the run's state and writes nothing to its history. */
const POLL_MS = 500;

/** One line for a person or a model: `#4 call_finished s1-1 deploy ok 12 ms`. */
function eventLine(event: RunEvent): string {
  const call = [event.callId, event.tool].filter(Boolean).join(' ');
  return [`#${event.offset}`, event.type, `step ${event.step}`, call, event.detail].filter(Boolean).join(' ');
}

async function readPage(context: McpToolContext, handle: AgentRunHandle, from: number, limit: number): Promise<EventPage> {
  return bounded(context, SERVER_CALL_MS, () => handle.eventPage({ from, limit }));
}

/** `run_events`: a page of the run's event log from an offset, read by query (waits only as long as asked). */
export const runEventsTool = defineMcpTool({
  name: 'run_events',
  title: "A run's events",
  description:
    "A run's event log from an offset: steps, tool calls started and finished (with errors), approvals asked and decided, questions, budget, and run_ended. " +
    'Returns the events and `next`, the offset to ask for next time; `ended` is true once nothing more will come. ' +
    'With waitSeconds, waits that long for at least one new event. Needs a worker while the run goes on; an ended run is read from the server.',
  input: {
    runId: RUN_ID,
    from: z.number().int().min(0).default(0).describe('First offset to return (0: from the start; pass the previous call\'s `next` to continue).'),
    limit: z.number().int().min(1).max(MAX_EVENTS).default(DEFAULT_EVENTS).describe(`Most events to return (1 to ${MAX_EVENTS}, default ${DEFAULT_EVENTS}).`),
    waitSeconds: waitSecondsInput('When there is no event at `from` yet, how long to wait for one'),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ runId, from, limit, waitSeconds }, context) {
    const { handle, description } = await describeRun(context, runId);
    // Fails fast, with what to do, when no worker serves a live run (the events query would wait for one).
    if (description.executionStatus === 'RUNNING') await liveState(handle, description, 'its event log');
    const deadline = Date.now() + waitSeconds * 1_000;
    let page = await readPage(context, handle, from, limit);
    while (page.events.length === 0 && !page.ended && Date.now() + POLL_MS < deadline && !context.signal.aborted) {
      await pause(context, POLL_MS);
      page = await readPage(context, handle, from, limit);
    }
    const { events, next, ended, firstKept } = page;
    // The model's text under way (docs/streaming.md): read from the server, nothing written to the run.
    const modelText = ended ? undefined : await bounded(context, SERVER_CALL_MS, () => handle.modelText()).catch(() => undefined);
    const writing = modelText ? [`The model is writing (step ${modelText.step}, attempt ${modelText.attempt}): ${modelText.offset > 0 ? '…' : ''}${modelText.text}`] : [];
    const dropped = firstKept > from ? ` Events before offset ${firstKept} were dropped (the log keeps the newest).` : '';
    const summary = events.length === 0 ? `No events from offset ${from} yet.` : `${events.length} events from offset ${events[0]?.offset ?? from}; next offset ${next}.`;
    const end = ended ? ' The run has ended: nothing more will come.' : ' The run goes on: call again with from = next.';
    // A page from the start of the log is folded the way the run folds it (src/core/run-fold.ts): where it stands then.
    const whole = from === 0 && firstKept === 0;
    const progress = whole ? RunProgress.of(events, 1).state() : undefined;
    const standing = progress ? ` As of offset ${next}: ${progress.status}, step ${progress.step}, tools ${progress.toolCalls.ok} ok / ${progress.toolCalls.failed} failed.` : '';
    return {
      text: [`${summary}${end}${dropped}${standing}`, ...events.map(eventLine), ...writing].join('\n'),
      data: {
        runId,
        events,
        next,
        ended,
        firstKept,
        ...(modelText ? { modelText } : {}),
        ...(progress ? { progress: { status: progress.status, step: progress.step, toolCalls: progress.toolCalls, usage: progress.usage } } : {}),
      },
    };
  },
});
