import type { AgentClient } from 'durable-agent';

/** Talk to a run that waits for people: decide its gated calls, answer its question, raise its budget, follow it. */
export async function review(agents: AgentClient, runId: string): Promise<void> {
  const run = agents.getHandle(runId);
  const { approvals, questions } = await run.pending();
  const [first, second] = approvals; // each `… | undefined`: there may be fewer
  if (first) await run.approve(first.callId, { arguments: { service: 'db', version: '3.1' } }); // edited arguments
  if (second) await run.deny(second.callId, 'web is frozen this week');
  if (questions.length > 0) await run.reply('eu-west-1');
  await run.raiseBudget({ maxCostUsd: 5 }); // a run paused on its budget goes on (or its sub-agent that is: docs/sub-agents.md)
  await run.pause('review the plan'); // it stops before its next step: status `paused`
  await run.resume(); // and goes on
  const turn = await agents.chat('support-42', 'And the invoice?'); // { turn, status, answer }, starting the session if needed
  console.log(turn.answer);
  for await (const event of run.events({ from: 0 })) console.log(event.offset, event.type, event.callId ?? '');
}
