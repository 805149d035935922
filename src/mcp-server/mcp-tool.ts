import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { AgentClient } from '../client';
import { toolErrorMessage } from './tool-errors';

/** What every tool works with: one client for the server's lifetime. */
export interface McpServerContext {
  agent: AgentClient;
  /** The run's URL in the Temporal UI, when the UI address is known. */
  link: (runId: string) => string | undefined;
  /** Where unexpected errors are reported (stderr: stdout may be the protocol channel). */
  log: (line: string) => void;
  /** The task queue `start_run` starts runs on. @default the configuration's (`TEMPORAL_TASK_QUEUE`) */
  taskQueue?: string;
  /** True when this process runs the worker of that queue (`mcp-server --local`); otherwise a `durable-agent worker` must. */
  inProcessWorker?: boolean;
  /** Told the id of each run `start_run` started (`--local` ends the open runs of its private queue when it stops). */
  onRunStarted?: (runId: string) => void;
}

/** What a tool's handler gets: the server's context plus the request's abort signal (the client gave up on the call). */
export interface McpToolContext extends McpServerContext {
  signal: AbortSignal;
}

/** A tool's answer: one sentence (or a few lines) for the reader, and the same facts as a JSON object. */
export interface ToolAnswer {
  text: string;
  data: Record<string, unknown>;
}

/** One MCP tool: its schema, its description for an LLM client, and its handler. */
export interface McpToolSpec<Shape extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: Shape;
  annotations: ToolAnnotations;
  run: (input: z.output<z.ZodObject<Shape>>, context: McpToolContext) => Promise<ToolAnswer>;
}

/** A tool ready to be registered on a server (its input type erased, so tools of different shapes fit in one list). */
export interface McpTool {
  name: string;
  register(server: McpServer, context: McpServerContext): void;
}

/**
 * Defines a tool. Its answer goes out twice, as the MCP spec asks of structured results: as `structuredContent`,
 * and serialized in a text block for clients that only read text. Any error becomes a result with `isError: true`
 * and a message that says what to do; nothing a tool throws reaches the transport.
 */
export function defineMcpTool<Shape extends z.ZodRawShape>(spec: McpToolSpec<Shape>): McpTool {
  return {
    name: spec.name,
    register(server, context) {
      // Widened to the SDK's own shape type: its conditional callback type cannot be resolved for a generic `Shape`.
      const inputSchema: z.ZodRawShape = spec.input;
      server.registerTool(
        spec.name,
        { title: spec.title, description: spec.description, inputSchema, annotations: spec.annotations },
        async (input, extra): Promise<CallToolResult> => {
          try {
            // The SDK parsed the arguments with z.object(spec.input): they have exactly this type.
            const answer = await spec.run(input as z.output<z.ZodObject<Shape>>, { ...context, signal: extra.signal });
            return {
              content: [
                { type: 'text', text: answer.text },
                { type: 'text', text: JSON.stringify(answer.data) },
              ],
              structuredContent: answer.data,
            };
          } catch (error) {
            return { content: [{ type: 'text', text: toolErrorMessage(error, context.agent.config.namespace, context.log) }], isError: true };
          }
        },
      );
    },
  };
}
