import { AgentClient } from 'durable-agent';

/** Your backend: starts a run, waits for its typed result (`AgentRunResult`) and prints the answer. */
async function main(goal: string): Promise<void> {
  const agents = await AgentClient.connect(); // the same environment as the worker
  try {
    const run = await agents.start({ goal, maxSteps: 5, allowedTools: ['order_status'] });
    const result = await run.result();
    console.log(result.answer);
    console.error(`status ${result.status} · ${result.steps} steps · tools ${result.toolCalls.ok} ok / ${result.toolCalls.failed} failed`);
    process.exitCode = result.status === 'final' ? 0 : 1;
  } finally {
    await agents.close();
  }
}

main(process.argv[2] ?? 'Where is order 42?').catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
