import { AgentClient } from 'durable-agent';

/** Print the model's text as it writes, for every model call of a run, until the run ends. */
async function main(runId: string): Promise<void> {
  const agents = await AgentClient.connect();
  try {
    for await (const chunk of agents.getHandle(runId).stream()) {
      if (chunk.type === 'reset') console.log(`\n[attempt ${chunk.attempt}, starting over]`);
      if (chunk.type === 'text') process.stdout.write(chunk.text);
      if (chunk.type === 'done') process.stdout.write('\n');
    }
  } finally {
    await agents.close();
  }
}

main(process.argv[2] ?? '').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
