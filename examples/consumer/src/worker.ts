import { runWorker } from 'durable-agent/worker';
import { orderStatusTool } from './order-status-tool.js';

// Temporal connection and task queue from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE; the model from
// OPENAI_API_KEY / OPENAI_BASE_URL. The workflow code is bundled from the installed package. Ctrl-C stops it.
runWorker({ tools: [orderStatusTool] }).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
