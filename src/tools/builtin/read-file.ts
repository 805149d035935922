import { z } from 'zod';
import { defineTool, type Tool } from '../define-tool';
import { openInWorkspace, rethrowAsRefusal } from '../workspace';

export interface ReadFileOptions {
  /** Folder the tool is confined to (`AGENT_WORKSPACE`). */
  workspace: string;
  /** Largest text returned, in bytes (`AGENT_READ_MAX_BYTES`). @default 262_144 */
  maxBytes?: number;
}

export const DEFAULT_READ_MAX_BYTES = 262_144;

/** Bytes sniffed for a NUL byte to tell binary files from text. */
const SNIFF_BYTES = 8_192;

export type ReadFileOutput =
  | { path: string; bytes: number; binary: false; text: string; truncated: boolean }
  | { path: string; bytes: number; binary: true };

/** The `read_file` built-in: a text file inside the workspace, size-capped; binary files reported, not dumped. */
export function createReadFileTool(options: ReadFileOptions): Tool {
  const maxBytes = options.maxBytes ?? DEFAULT_READ_MAX_BYTES;
  return defineTool({
    name: 'read_file',
    description: `Read a text file from the workspace (paths are relative to it). Returns at most ${maxBytes} bytes; binary files are reported with their size only.`,
    input: z.object({ path: z.string().min(1).max(4_096).describe('Path of the file, relative to the workspace root') }).strict(),
    timeout: '10 seconds',
    effects: 'read',
    fast: true,
    summaryField: 'path',
    run: async ({ path }): Promise<ReadFileOutput> => {
      // Opened without blocking and proven inside the workspace and a regular file; read through the descriptor only.
      const { handle, relativePath, stats } = await openInWorkspace(options.workspace, path, 'file');
      try {
        const length = Math.min(stats.size, maxBytes);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, 0).catch(rethrowAsRefusal(path));
        const content = buffer.subarray(0, bytesRead);
        if (content.subarray(0, SNIFF_BYTES).includes(0)) return { path: relativePath, bytes: stats.size, binary: true };
        // Cutting at maxBytes may split a character: drop a broken tail rather than return U+FFFD.
        const text = content.toString('utf8').replace(/\uFFFD+$/, '');
        return { path: relativePath, bytes: stats.size, binary: false, text, truncated: stats.size > bytesRead };
      } finally {
        await handle.close();
      }
    },
  });
}
