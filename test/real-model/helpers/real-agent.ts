import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { AgentRunInput } from '../../../src/contracts/run-input';
import type { ModelConfig } from '../../../src/config/model-config';
import type { Tool } from '../../../src/tools/define-tool';
import { withTestWorker, type TestWorkerContext } from '../../helpers/temporal';
import type { RealModelServer } from './llama-server';

/** The worker's model config for the real server: `stream` and `extraBody` as the test needs. */
export function realModelConfig(server: Pick<RealModelServer, 'baseURL' | 'model'>, options: Pick<ModelConfig, 'stream' | 'extraBody'> & { baseURL?: string } = {}): ModelConfig {
  const { baseURL, ...rest } = options;
  return {
    baseURL: baseURL ?? server.baseURL,
    apiKey: 'no-key',
    defaultModel: server.model,
    // Far above any answer here: a slow answer must be seen as slow, not as a timeout.
    requestTimeoutMs: 110_000,
    ...rest,
  };
}

export interface RealAgentContext extends TestWorkerContext {
  /** Starts `agentWorkflow` on the worker's queue. */
  start(input: AgentRunInput): Promise<WorkflowHandleWithFirstExecutionRunId>;
}

/** A worker with `tools` only (no built-ins) talking to the real model, for the length of `body`. */
export async function withRealAgent<T>(label: string, model: ModelConfig, tools: readonly Tool[], body: (context: RealAgentContext) => Promise<T>): Promise<T> {
  return withTestWorker(
    label,
    async (context) => {
      let counter = 0;
      const start = (input: AgentRunInput) => context.client.workflow.start('agentWorkflow', { taskQueue: context.taskQueue, workflowId: `${context.taskQueue}-${++counter}`, args: [input] });
      return body({ ...context, start });
    },
    { tools, builtinTools: false, model },
  );
}

/** `tool_choice` naming one tool: llama-cpp-python's chatml-function-calling format then writes a call to it (its arguments under the tool's JSON schema). */
export function forceTool(name: string): Record<string, unknown> {
  return { tool_choice: { type: 'function', function: { name } } };
}
