// @ts-check
/**
 * The peer's worker, in its own process with its own Temporal SDK (1.23.0, pinned by @temporalio/ai-sdk):
 * `aiSdkAgent` and the `work` activity on BENCH_TASK_QUEUE, the AiSdkPlugin's model activities calling the
 * bench's scripted model (BENCH_MODEL_URL, OpenAI-compatible Chat Completions) through @ai-sdk/openai-compatible.
 * Prints `ready` on stdout once it polls; stops gracefully on SIGTERM.
 *
 * Environment: TEMPORAL_ADDRESS, BENCH_TASK_QUEUE, BENCH_MODEL_URL, and the worker limits
 * BENCH_MAX_CONCURRENT_ACTIVITIES, BENCH_MAX_CONCURRENT_WORKFLOW_TASKS, BENCH_MAX_EAGER_ACTIVITIES.
 */
const { createOpenAICompatible } = require('@ai-sdk/openai-compatible');
const { AiSdkPlugin } = require('@temporalio/ai-sdk');
const { DefaultLogger, NativeConnection, Runtime, Worker } = require('@temporalio/worker');
const activities = require('./activities');

/** @param {string} name */
function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`Expected the environment variable \`${name}\` to be set, got nothing`);
  return value;
}

/** @param {string} name */
function nonNegativeInteger(name) {
  const value = Number(required(name));
  if (!Number.isInteger(value) || value < 0) throw new Error(`Expected \`${name}\` to be an integer >= 0, got \`${process.env[name]}\``);
  return value;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: required('TEMPORAL_ADDRESS') });
  const modelProvider = createOpenAICompatible({ name: 'scripted', baseURL: required('BENCH_MODEL_URL'), apiKey: 'bench' });
  const worker = await Worker.create({
    connection,
    taskQueue: required('BENCH_TASK_QUEUE'),
    workflowsPath: require.resolve('./workflows'),
    activities,
    plugins: [new AiSdkPlugin({ modelProvider })],
    maxConcurrentActivityTaskExecutions: nonNegativeInteger('BENCH_MAX_CONCURRENT_ACTIVITIES'),
    maxConcurrentWorkflowTaskExecutions: nonNegativeInteger('BENCH_MAX_CONCURRENT_WORKFLOW_TASKS'),
    maxEagerActivityReservationsPerWorkflowTask: nonNegativeInteger('BENCH_MAX_EAGER_ACTIVITIES'),
  });
  process.stdout.write('ready\n');
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((/** @type {unknown} */ error) => {
  process.stderr.write(`peer worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
