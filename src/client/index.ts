/**
 * The client API for services that start and follow agent runs (the `durable-agent` entry point). The CLI is a
 * thin layer over it.
 */
export { AgentClient, newRunId, validateRunInput, type StartOptions } from './agent-client';
export {
  InteractionRefusedError,
  InvalidRunInputError,
  NoWorkerAnsweredError,
  RunEndedWithoutResultError,
  RunIdTakenError,
  RunNotFoundError,
  SessionEndedError,
  type SessionEnding,
} from './errors';
export { classifyServerError, NoWorkerTookRequestError, ServerBusyError, ServerPreconditionError, ServerRequestError, ServerTimeoutError } from './server-errors';
export { AgentRunHandle, type RunDescription } from './run-handle';
export { statusWithSubAgents, waitingSubAgents, type SubAgentRun } from './sub-agent-tree';
export { RunProgress } from './run-progress';
export type { ForkAnswer, ForkOptions } from './fork-run';
export { EvalHandle, type EvalOptions } from './eval-run';
export type { ModelStreamOptions } from './model-stream';
export { isPrivateTaskQueue, PRIVATE_TASK_QUEUE_PREFIX, workerAdvice } from './worker-advice';
export { LIST_STATUSES, shownAgentStatus, type ListStatus } from './run-status';
export { connectClient, NamespaceNotFoundError, TemporalConnectionLostError, TemporalUnreachableError } from '../config/connect';
export { ConfigurationError, loadTemporalConfig, type TemporalConfig } from '../config/temporal-config';
// Payload encryption: what a Client or Worker you build yourself needs to read and write the same payloads.
export { dataConverterFor } from '../codec/data-converter';
export { EncryptionCodec, PayloadDecryptionError } from '../codec/encryption-codec';
export { EncryptionKeys, loadEncryptionKeys, parseKeyList } from '../codec/encryption-keys';
export * from '../contracts';
