import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ToolError } from './define-tool';

/** What a workspace tool asks for: `read_file` reads regular files, `list_dir` lists folders. */
export type WorkspaceEntryKind = 'file' | 'folder';

/** An entry of the workspace, opened and proven to be inside it. Close `handle` when done. */
export interface OpenedWorkspaceEntry {
  /** The open descriptor: read through it, never through a path name, so what was checked is what is read. */
  handle: FileHandle;
  /** Real path of the opened entry, inside the workspace. */
  path: string;
  /** `path` relative to the real workspace root (`.` for the root). */
  relativePath: string;
  /** `fstat` of the descriptor. */
  stats: Stats;
  /**
   * A path naming the opened entry itself rather than whatever its name points at now: `/proc/self/fd/<fd>`
   * on Linux, so `readdir` and `lstat` of the entries of an opened folder stay in that folder. Where
   * /proc/self/fd is missing this is the real path (see `verifyOpened` for that limit).
   */
  pathThroughDescriptor: string;
}

/**
 * Flags of every open: never block (a FIFO without a writer would hold a libuv thread forever, and a few
 * such calls fill libuv's small pool, stopping every file and DNS operation of the worker), never follow a
 * symbolic link in the last name (the checked real path has none; one there now means it was swapped),
 * never acquire a controlling terminal.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Opens an entry of the workspace and proves the opened descriptor is inside it, so no interleaving of
 * renames and symbolic links can make a tool read outside: the path is checked (`..`, absolute paths
 * outside, NUL bytes, symlinks whose real target is outside, ELOOP), opened without blocking, and the
 * descriptor's own real path is checked again before anything is read. Anything that is not a regular
 * file (for `file`) or a folder (for `folder`) is refused before any call that could block.
 * File-system errors about the request (missing, denied, too long, …) become `ToolError`s; others are thrown.
 */
export async function openInWorkspace(root: string, requested: string, kind: WorkspaceEntryKind): Promise<OpenedWorkspaceEntry> {
  if (requested.includes('\0')) throw new ToolError('refused a path with a NUL byte in it');
  const realRoot = await realpath(root).catch(() => {
    throw new ToolError(`the workspace root ${root} does not exist`);
  });
  const candidate = resolve(realRoot, requested);
  if (!isInside(realRoot, candidate)) throw new ToolError(`refused "${requested}": it is outside the workspace`);
  const real = await realpath(candidate).catch(rethrowAsRefusal(requested));
  if (!isInside(realRoot, real)) throw outsideRefusal(requested);
  // Refuse FIFOs, sockets and devices before opening them: opening a device may have effects of its own.
  refuseWrongKind(requested, await lstat(real).catch(rethrowAsRefusal(requested)), kind);

  const handle = await open(real, OPEN_FLAGS | (kind === 'folder' ? constants.O_DIRECTORY : 0)).catch((error: unknown) => {
    // The name was checked a moment ago: a symbolic link (or a non-folder) in its place now means it was swapped.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new ToolError(`refused "${requested}": it was replaced by a symbolic link while being opened`);
    if (code === 'ENOTDIR' && kind === 'folder') throw new ToolError(`refused "${requested}": it was replaced by something other than a folder while being opened`);
    return rethrowAsRefusal(requested)(error);
  });
  try {
    const opened = await verifyOpened(handle, real);
    if (!opened) throw new ToolError(`refused "${requested}": it changed while being opened; try again`);
    if (!isInside(realRoot, opened.path)) throw outsideRefusal(requested);
    const stats = await handle.stat();
    refuseWrongKind(requested, stats, kind);
    return { handle, path: opened.path, relativePath: relative(realRoot, opened.path) || '.', stats, pathThroughDescriptor: opened.pathThroughDescriptor };
  } catch (error) {
    await handle.close();
    throw fileSystemRefusal(requested, error) ?? error;
  }
}

/**
 * The real path of what `handle` refers to, or undefined when it is no longer what was checked. On Linux
 * the kernel says it (`readlink /proc/self/fd/<fd>`), whatever happened to the names since. Elsewhere the
 * descriptor's device and inode must match those of a fresh `realpath` + `stat` of the checked path: that
 * proves the opened object is the one now at that real path, but a folder is then listed by name, so a
 * swap between this check and `readdir` could still list another folder's names there (reading a file is
 * safe everywhere: it goes through the descriptor).
 */
async function verifyOpened(handle: FileHandle, checkedPath: string): Promise<{ path: string; pathThroughDescriptor: string } | undefined> {
  const pathThroughDescriptor = `/proc/self/fd/${handle.fd}`;
  const viaProc = await readlink(pathThroughDescriptor).catch(() => undefined);
  // A target that is not absolute ("pipe:[…]", "anon_inode:…") names no file of any folder.
  if (viaProc !== undefined) return isAbsolute(viaProc) ? { path: viaProc, pathThroughDescriptor } : undefined;
  const fresh = await realpath(checkedPath);
  const [opened, current] = await Promise.all([handle.stat(), stat(fresh)]);
  if (opened.dev !== current.dev || opened.ino !== current.ino) return undefined;
  return { path: fresh, pathThroughDescriptor: fresh };
}

function outsideRefusal(requested: string): ToolError {
  return new ToolError(`refused "${requested}": a symbolic link leads outside the workspace`);
}

/** Refuses an entry of the wrong kind: a folder for read_file, a file for list_dir, and any special file. */
function refuseWrongKind(requested: string, stats: Stats, kind: WorkspaceEntryKind): void {
  if (kind === 'file' && stats.isFile()) return;
  if (kind === 'folder' && stats.isDirectory()) return;
  if (kind === 'file' && stats.isDirectory()) throw new ToolError(`"${requested}" is not a file (it is a folder: use list_dir)`);
  if (kind === 'folder' && stats.isFile()) throw new ToolError(`"${requested}" is not a folder (use read_file for files)`);
  if (stats.isSymbolicLink()) throw new ToolError(`refused "${requested}": it was replaced by a symbolic link while being opened`);
  const wanted = kind === 'file' ? 'a regular file: read_file reads regular files only' : 'a folder: list_dir lists folders only';
  throw new ToolError(`"${requested}" is ${specialKind(stats)}, not ${wanted}`);
}

function specialKind(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'a special file';
}

/** Longest part of a requested path quoted back in a message about its length. */
const QUOTED_PATH_CHARS = 60;

/**
 * The `ToolError` for a file-system error caused by the request (the model can fix it; a retry cannot),
 * or undefined for an infrastructure fault (EIO, EMFILE, …) that Temporal should retry.
 */
export function fileSystemRefusal(requested: string, error: unknown): ToolError | undefined {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return new ToolError(`"${requested}" does not exist in the workspace`);
    case 'ENOTDIR':
      return new ToolError(`"${requested}" does not exist in the workspace (a part of the path is a file, not a folder)`);
    case 'ELOOP':
      return new ToolError(`refused "${requested}": too many levels of symbolic links`);
    case 'ENAMETOOLONG': {
      const quoted = requested.length > QUOTED_PATH_CHARS ? `${requested.slice(0, QUOTED_PATH_CHARS)}…` : requested;
      return new ToolError(`refused "${quoted}": the path or a name in it is too long (at most 255 bytes per name, 4096 per path); use a shorter path`);
    }
    case 'EACCES':
    case 'EPERM':
      return new ToolError(`permission denied for "${requested}": the worker may not read it`);
    case 'EISDIR':
      return new ToolError(`"${requested}" is not a file (it is a folder: use list_dir)`);
    case 'ENXIO':
    case 'EOPNOTSUPP':
      return new ToolError(`"${requested}" is a socket or a device without a driver, not a regular file or folder`);
    default:
      return undefined;
  }
}

/** A `.catch` handler for file-system calls about `requested`: throws its refusal, or the error itself. */
export function rethrowAsRefusal(requested: string): (error: unknown) => never {
  return (error) => {
    throw fileSystemRefusal(requested, error) ?? error;
  };
}

function isInside(root: string, path: string): boolean {
  const fromRoot = relative(root, path);
  return fromRoot === '' || (!fromRoot.startsWith(`..${sep}`) && fromRoot !== '..' && !isAbsolute(fromRoot));
}
