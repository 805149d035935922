/** durable-agent run in this process (Node side): what `durable-agent run` and `mcp-server --local` start. */
export { Cleanup, CLEANUP_STEP_MS, CLEANUP_STEP_WITHOUT_SERVER_MS, SERVER_STOP_MS } from './cleanup';
export { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from './local-runtime';
export { chooseModel, type ModelChoice } from './model-choice';
export { endPrivateRuns, PRIVATE_RUN_CANCEL_GRACE_MS } from './private-runs';
export { resolveTemporalTarget, type TemporalTarget } from './temporal-target';
export { runUrl, uiUrlFor } from './ui-links';
