import type { BuiltinToolsConfig } from '../../config/tools-config';
import type { AnyTool } from '../define-workflow-tool';
import { createAskUserTool } from './ask-user';
import { createHttpGetTool } from './http-get';
import { createListDirTool } from './list-dir';
import { createReadFileTool } from './read-file';
import { createReadOutputTool } from './read-output';
import { createWaitTool } from './wait';

/**
 * The built-in tools, safe by default, configured from `AGENT_*` variables or worker options; `read_output` when the
 * worker stores large outputs (`config.outputs`).
 */
export function createBuiltinTools(config: BuiltinToolsConfig): AnyTool[] {
  return [
    createHttpGetTool({ allow: config.httpAllow, maxBytes: config.httpMaxBytes, ...(config.resolve ? { resolve: config.resolve } : {}) }),
    createReadFileTool({ workspace: config.workspace, maxBytes: config.readMaxBytes }),
    createListDirTool({ workspace: config.workspace }),
    createWaitTool({ maxSeconds: config.waitMaxSeconds }),
    createAskUserTool(),
    ...(config.outputs ? [createReadOutputTool({ outputs: config.outputs })] : []),
  ];
}
