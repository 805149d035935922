/**
 * The client entry point (`durable-agent`): start, follow and talk to agent runs. The CLI is a thin layer over it.
 * The pieces live in src/client/; docs/architecture.md §2 says what runs where.
 */
export * from './client/index';
