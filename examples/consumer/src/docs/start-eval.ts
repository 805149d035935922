import { readFileSync } from 'node:fs';
import { AgentClient } from 'durable-agent';

/** Run a suite under two of its variants, ten case runs at a time, and print each variant's totals. */
async function main(suiteFile: string): Promise<void> {
  const agents = await AgentClient.connect();
  try {
    const handle = await agents.startEval(JSON.parse(readFileSync(suiteFile, 'utf8')), { variants: ['small', 'large'], concurrency: 10 });
    const report = await handle.result();
    for (const variant of report.summary) console.log(`${variant.variant}: ${variant.passed}/${variant.cases} passed, mean score ${variant.score.toFixed(2)}`);
  } finally {
    await agents.close();
  }
}

main(process.argv[2] ?? 'suite.json').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
