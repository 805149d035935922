/**
 * Names of the agent workflow's queries, shared by the workflow (which defines them) and by activities
 * and clients (which call them). Strings, so no side needs the other's code.
 */
export const PLANNER_CONTEXT_QUERY = 'plannerContext';
export const AGENT_STATE_QUERY = 'agentState';
