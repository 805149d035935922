/** Every workflow the worker registers. This file is the entry point of the workflow bundle. */
export { agentWorkflow, agentStateQuery, plannerContextQuery } from './agent/agent-workflow';
export { evalWorkflow } from './eval/eval-workflow';
