/**
 * The worker entry point (`durable-agent/worker`): run the agent workflow and its activities, with your tools.
 * The pieces live in src/worker/; docs/architecture.md §2 says what runs where.
 */
export * from './worker/index';
