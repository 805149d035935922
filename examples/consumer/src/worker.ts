import { runWorker } from 'durable-agent/worker';
import { orderStatusTool } from './order-status-tool';

// Connection, task queue and model come from the environment (TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE,
// OPENAI_API_KEY / OPENAI_BASE_URL). The workflow code is bundled from the installed package.
runWorker({ tools: [orderStatusTool] }).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
