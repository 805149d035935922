import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineTool, type Tool } from '../define-tool';
import { openInWorkspace, rethrowAsRefusal } from '../workspace';

export interface ListDirOptions {
  /** Folder the tool is confined to (`AGENT_WORKSPACE`). */
  workspace: string;
  /** Most entries returned. @default 500 */
  maxEntries?: number;
}

export interface ListDirOutput {
  path: string;
  entries: Array<{ name: string; type: 'file' | 'directory' | 'symlink' | 'other'; bytes?: number }>;
  truncated: boolean;
}

/** The `list_dir` built-in: the entries of a folder inside the workspace. */
export function createListDirTool(options: ListDirOptions): Tool {
  const maxEntries = options.maxEntries ?? 500;
  return defineTool({
    name: 'list_dir',
    description: `List a folder of the workspace (paths are relative to it; "." is the root). Returns at most ${maxEntries} entries with their type and size.`,
    input: z.object({ path: z.string().min(1).max(4_096).default('.').describe('Folder to list, relative to the workspace root') }).strict(),
    timeout: '10 seconds',
    effects: 'read',
    fast: true,
    summaryField: 'path',
    run: async ({ path }): Promise<ListDirOutput> => {
      // Opened without blocking and proven inside the workspace and a folder; listed through the descriptor
      // (/proc/self/fd/<fd>), so swapping the folder's name for a symbolic link now changes nothing.
      const folder = await openInWorkspace(options.workspace, path, 'folder');
      try {
        const names = (await readdir(folder.pathThroughDescriptor).catch(rethrowAsRefusal(path))).sort();
        const entries: ListDirOutput['entries'] = [];
        for (const name of names.slice(0, maxEntries)) {
          const entry = await lstat(join(folder.pathThroughDescriptor, name)).catch((error: unknown) => {
            // An entry removed since readdir is simply no longer there.
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            return rethrowAsRefusal(path)(error);
          });
          if (!entry) continue;
          const type = entry.isSymbolicLink() ? 'symlink' : entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
          entries.push({ name, type, ...(type === 'file' ? { bytes: entry.size } : {}) });
        }
        return { path: folder.relativePath, entries, truncated: names.length > maxEntries };
      } finally {
        await folder.handle.close();
      }
    },
  });
}
