/** Workflow bundle of the benchmarks: the real agent workflow plus the bare reference workflow. */
export { agentWorkflow } from '../src/workflows/agent/agent-workflow';
export { bareWorkflow } from './bare-workflow';
