import { connectClient } from '../../src/config/connect';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { startCli, waitForOutput } from '../helpers/cli';
import { startOtlpReceiver } from '../helpers/otlp-receiver';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

/** `worker --log-format json` (docs/observability.md, "Logs"): one JSON object per line, each tied to its run and trace. */
describe('durable-agent worker --log-format json', () => {
  jest.setTimeout(120_000);

  it("prints every log line as JSON, a tool call's lines with the run id, call id, attempt and trace id", async () => {
    const receiver = await startOtlpReceiver();
    // A read of a file that is not there: a failed call, which the worker logs.
    const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'read_file', arguments: { path: 'missing.txt' } }] }, { content: 'done' }] }));
    const taskQueue = uniqueTaskQueue('worker-logs');
    const { OPENAI_API_KEY: _key, ...rest } = process.env;
    const env = {
      ...rest,
      TEMPORAL_ADDRESS: testConfig().address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      OPENAI_BASE_URL: model.baseURL,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      NO_COLOR: '1',
    };
    const worker = startCli(['worker', '--log-format', 'json'], env);
    const client = await connectClient(testConfig());
    try {
      await waitForOutput(worker, /polling task queue/, 90_000, 'stderr');
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ goal: 'read a missing file' }] });
      const result = (await handle.result()) as AgentRunResult;
      expect(result.toolCalls.failed).toBe(1);
      const lines = await until('a log line of the failed call', async () => {
        const logged = worker
          .output()
          .stderr.split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        return logged.some((line) => line.activityType === 'read_file') ? logged : undefined;
      });
      for (const line of lines) expect(line).toMatchObject({ time: expect.any(String), level: expect.any(String), message: expect.any(String) });
      const call = lines.find((line) => line.activityType === 'read_file');
      expect(call).toMatchObject({ workflowId: handle.workflowId, attempt: 1, callId: 's1-1', step: 1 });
      expect(call?.trace_id).toEqual(expect.stringMatching(/^[0-9a-f]{32}$/));
      // The start line stays a line for people; everything the SDK logs is JSON.
      const others = worker.output().stderr.split('\n').filter((line) => line && !line.startsWith('{'));
      expect(others.every((line) => /polling task queue|^Worker stopped|^MCP/.test(line))).toBe(true);
    } finally {
      worker.kill('SIGINT');
      await worker.done;
      await client.connection.close();
      await model.close();
      await receiver.close();
    }
  });
});
