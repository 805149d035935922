import { AgentClient } from 'durable-agent';

/** Fork a run at a step with another model and one more instruction, and print the fork's answer. */
async function main(runId: string, atStep: number): Promise<void> {
  const agents = await AgentClient.connect();
  try {
    const fork = await agents.fork(runId, { atStep, model: 'gpt-4.1', message: 'Be brief.' });
    console.log(`fork ${fork.workflowId}: ${(await fork.result()).answer}`);
  } finally {
    await agents.close();
  }
}

main(process.argv[2] ?? '', Number(process.argv[3] ?? 1)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
