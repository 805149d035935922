import type { BuiltinToolsConfig } from '../../config/tools-config';
import type { AnyTool } from '../define-workflow-tool';
import { createAskUserTool } from './ask-user';
import { createHttpGetTool } from './http-get';
import { createListDirTool } from './list-dir';
import { createReadFileTool } from './read-file';
import { createWaitTool } from './wait';

/** The built-in tools, safe by default, configured from `AGENT_*` variables or worker options. */
export function createBuiltinTools(config: BuiltinToolsConfig): AnyTool[] {
  return [
    createHttpGetTool({ allow: config.httpAllow, maxBytes: config.httpMaxBytes, ...(config.resolve ? { resolve: config.resolve } : {}) }),
    createReadFileTool({ workspace: config.workspace, maxBytes: config.readMaxBytes }),
    createListDirTool({ workspace: config.workspace }),
    createWaitTool({ maxSeconds: config.waitMaxSeconds }),
    createAskUserTool(),
  ];
}
