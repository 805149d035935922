/**
 * A worker of the chaos campaign in its own process, so the campaign can SIGKILL and SIGSTOP it. Configured by
 * environment: TEMPORAL_ADDRESS, CHAOS_TASK_QUEUE, CHAOS_ROLE (agent | tools), CHAOS_MODEL_URL, CHAOS_TOOL_URL,
 * CHAOS_MCP_URL (agent workers: the MCP server whose `record` tool they offer as `chaosmcp__record`), OPENAI_API_KEY
 * (a fake secret the campaign looks for in every history).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { loadTemporalConfig } from '../src/config/temporal-config';
import { parseMcpConfig } from '../src/mcp/config';
import { connectMcpTools } from '../src/mcp/mcp-tools';
import { defineTool } from '../src/tools/define-tool';
import { createWorker } from '../src/worker';
import { CHAOS_AGENTS } from './scenarios';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

/** A side effect at the tool server, keyed by the call's idempotency key (the server counts every request). */
function effectTool(url: string) {
  return defineTool({
    name: 'effect',
    description: 'Performs a counted side effect that takes `ms` milliseconds.',
    input: z.object({ name: z.string(), ms: z.number().int().min(0).max(10_000) }),
    timeout: '10 seconds',
    retry: { maximumAttempts: 20, initialIntervalMs: 200, maximumIntervalMs: 2_000 },
    effects: 'mutating',
    usesIdempotencyKey: true,
    summaryField: 'name',
    run: async ({ name, ms }, context) => {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify({ key: context.idempotencyKey, attempt: context.attempt, ms, name }), signal: context.signal });
      if (!response.ok) throw new Error(`tool server answered ${response.status}`);
      return response.json();
    },
  });
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const role = process.env.CHAOS_ROLE === 'tools' ? 'tools' : 'agent';
  // Strict: a worker that cannot list the MCP server's tools (a network fault as it starts) exits and is started again,
  // rather than serving without the tool; retries with the call's idempotency key, which the server counts by.
  const mcpServers = { chaosmcp: { url: required('CHAOS_MCP_URL'), effects: 'mutating', maxAttempts: 20, timeoutMs: 10_000, strict: true } };
  const mcp = role === 'agent' ? await connectMcpTools(parseMcpConfig({ mcpServers }), new Set(['effect'])) : undefined;
  const worker = await createWorker({
    config: loadTemporalConfig(),
    taskQueue: required('CHAOS_TASK_QUEUE'),
    tools: [effectTool(required('CHAOS_TOOL_URL'))],
    ...(role === 'tools' ? { builtinTools: false as const } : {}),
    ...(role === 'tools' ? { role } : { agents: CHAOS_AGENTS, ...(mcp ? { mcp } : {}) }),
    model: { baseURL: required('CHAOS_MODEL_URL'), apiKey: required('OPENAI_API_KEY'), defaultModel: 'chaos-parallel', requestTimeoutMs: 20_000 },
    workflowBundle: { codePath: required('CHAOS_WORKFLOW_BUNDLE') },
  });
  process.stdout.write('worker ready\n');
  await worker.run();
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos worker failed: ${String(error)}\n`);
  process.exit(1);
});
