import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ToolError } from './define-tool';

/**
 * Resolves a path the model gave against the workspace root and refuses anything that leaves it:
 * `..` escapes, absolute paths outside the root, NUL bytes, and symlinks (file or folder, at any depth)
 * whose real target is outside the root. Returns the real path of an existing entry.
 */
export async function resolveInWorkspace(root: string, requested: string): Promise<{ path: string; relativePath: string }> {
  if (requested.includes('\0')) throw new ToolError('refused a path with a NUL byte in it');
  const realRoot = await realpath(root).catch(() => {
    throw new ToolError(`the workspace root ${root} does not exist`);
  });
  const candidate = resolve(realRoot, requested);
  if (!isInside(realRoot, candidate)) throw new ToolError(`refused "${requested}": it is outside the workspace`);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ToolError(`"${requested}" does not exist in the workspace`);
    if (code === 'ELOOP') throw new ToolError(`refused "${requested}": too many levels of symbolic links`);
    throw error;
  }
  if (!isInside(realRoot, real)) throw new ToolError(`refused "${requested}": a symbolic link leads outside the workspace`);
  return { path: real, relativePath: relative(realRoot, real) || '.' };
}

function isInside(root: string, path: string): boolean {
  const fromRoot = relative(root, path);
  return fromRoot === '' || (!fromRoot.startsWith(`..${sep}`) && fromRoot !== '..' && !isAbsolute(fromRoot));
}
