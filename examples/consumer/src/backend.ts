import { AgentClient, type AgentRunResult } from 'durable-agent';

/** A backend starting a run and waiting for its typed result. */
async function main(goal: string): Promise<AgentRunResult> {
  const agents = await AgentClient.connect();
  try {
    const run = await agents.start({ goal, maxSteps: 5, allowedTools: ['order_status'] });
    return await run.result();
  } finally {
    await agents.close();
  }
}

main(process.argv[2] ?? 'Where is order 42?').then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exitCode = result.status === 'final' ? 0 : 1;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
