import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { OutputDriver, StoredBlob } from './output-driver';

/** Files being written carry this prefix until they are renamed into place; `list` never reports them. */
const PARTIAL_PREFIX = '.partial-';

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Blobs as files in a folder (the embedded default: `.durable-agent/outputs` under the worker's directory), one file
 * per key, key segments as folders. A blob is written to a temporary name and renamed, so a reader sees it whole or
 * not at all. Only workers on this machine (or sharing the folder) can read what it stored: several machines need S3.
 */
export class FsOutputDriver implements OutputDriver {
  readonly description: string;

  constructor(readonly folder: string) {
    this.description = `folder ${folder}`;
  }

  private pathOf(key: string): string {
    return join(this.folder, ...key.split('/'));
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const partial = join(dirname(path), `${PARTIAL_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(partial, bytes);
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(prefix: string): Promise<number> {
    const blobs = await this.list(prefix);
    if (prefix.endsWith('/')) {
      // A whole folder (a run's blobs): one removal, partial files included.
      await rm(this.pathOf(prefix.slice(0, -1)), { recursive: true, force: true });
      return blobs.length;
    }
    for (const blob of blobs) {
      try {
        await unlink(this.pathOf(blob.key));
      } catch (error) {
        // Deleted meanwhile by another prune: gone is what was asked.
        if (!isMissing(error)) throw error;
      }
    }
    return blobs.length;
  }

  async list(prefix: string): Promise<StoredBlob[]> {
    // Walk only the deepest folder the prefix names whole.
    const cut = prefix.lastIndexOf('/');
    const start = cut < 0 ? this.folder : this.pathOf(prefix.slice(0, cut));
    const found: StoredBlob[] = [];
    await this.walk(start, prefix, found);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async walk(folder: string, prefix: string, found: StoredBlob[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      const key = relative(this.folder, path).split(sep).join('/');
      if (entry.isDirectory()) {
        // Descend only into folders that can hold keys with the prefix.
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(path, prefix, found);
      } else if (entry.isFile() && !entry.name.startsWith(PARTIAL_PREFIX) && key.startsWith(prefix)) {
        const stats = await stat(path).catch(() => undefined);
        if (stats) found.push({ key, bytes: stats.size, modifiedAt: stats.mtime });
      }
    }
  }
}
