/**
 * What runs in a worker process (the `durable-agent/worker` entry point): the worker itself, `defineTool` for
 * your own tools, and the built-in tools.
 */
export { createWorker, runWorker, workerTools, WORKFLOWS_PATH, WORKFLOW_INTERCEPTOR_MODULES, WORKFLOW_PRELOAD_MODULES, type AgentWorkerOptions, type WorkerDeployment } from './run-worker';
export { defineTool, ToolDefinitionError, ToolError, type JsonSchemaToolDefinition, type Tool, type ToolContext, type ZodToolDefinition } from '../tools/define-tool';
export { defineWorkflowTool, type AnyTool, type WorkflowTool } from '../tools/define-workflow-tool';
export { createBuiltinTools } from '../tools/builtin';
export { createHttpGetTool, type HttpGetOptions } from '../tools/builtin/http-get';
export { createListDirTool, type ListDirOptions } from '../tools/builtin/list-dir';
export { createReadFileTool, type ReadFileOptions } from '../tools/builtin/read-file';
export { createWaitTool, type WaitOptions } from '../tools/builtin/wait';
export { createAskUserTool } from '../tools/builtin/ask-user';
export { loadBuiltinToolsConfig, type BuiltinToolsConfig } from '../config/tools-config';
export { loadModelConfig, type ModelConfig } from '../config/model-config';
export { loadTemporalConfig, ConfigurationError, type TemporalConfig } from '../config/temporal-config';
// Payload encryption: what a Client or Worker you build yourself needs to read and write the same payloads.
export { dataConverterFor } from '../codec/data-converter';
export { EncryptionCodec, PayloadDecryptionError } from '../codec/encryption-codec';
export { EncryptionKeys, loadEncryptionKeys, parseKeyList } from '../codec/encryption-keys';
export { loadMcpConfig, parseMcpConfig, type McpServerConfig } from '../mcp/config';
export { connectMcpTools, DEFAULT_MCP_RETRY, type McpConnectOptions, type McpTools } from '../mcp/mcp-tools';
export { startScriptedModel, type ScriptedModelServer } from '../scripted-model/server';
export { compileScript, type Script } from '../scripted-model/script';
