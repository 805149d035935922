import { cancelRunTool } from './cancel-run-tool';
import { approveTool, denyTool } from './decision-tools';
import type { McpTool } from './mcp-tool';
import { pendingTool } from './pending-tool';
import { replyTool } from './reply-tool';
import { runEventsTool } from './run-events-tool';
import { runResultTool } from './run-result-tool';
import { runStatusTool } from './run-status-tool';
import { startRunTool } from './start-run-tool';
import { tableTools } from './table-tools';

/** Every tool of the MCP server, in the order a client meets them. */
export const MCP_SERVER_TOOLS: readonly McpTool[] = [startRunTool, runStatusTool, runEventsTool, pendingTool, approveTool, denyTool, replyTool, ...tableTools(), runResultTool, cancelRunTool];
