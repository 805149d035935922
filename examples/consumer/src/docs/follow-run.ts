import { AgentClient } from 'durable-agent';

/** Start a run, follow its events as they come, then read its result. */
async function main(): Promise<void> {
  const agents = await AgentClient.connect();
  try {
    const run = await agents.start({ goal: 'Where is order 42?', maxSteps: 5, allowedTools: ['order_status'] });
    console.log(run.workflowId, await agents.runUrl(run.workflowId)); // the run's id, its page in the Temporal UI
    for await (const event of run.events({ from: 0 })) {
      console.log(event.offset, event.type, event.tool ?? '', event.detail ?? ''); // ends when the run ends
    }
    const { status, answer, usage } = await run.result();
    console.log(status, answer, `${usage.inputTokens} + ${usage.outputTokens} tokens`);
  } finally {
    await agents.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
