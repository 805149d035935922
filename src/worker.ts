/**
 * The worker entry point (`durable-agent/worker`): run the agent workflow and its activities, with your tools.
 * The pieces live in src/worker/; docs/architecture.md §2 says what runs where.
 */
export * from './worker/index';

/**
 * The zod that `defineTool`'s types expect: tool authors write `import { defineTool, z } from 'durable-agent/worker'`
 * and never depend on a zod version of their own that might not match.
 */
export { z } from 'zod';
