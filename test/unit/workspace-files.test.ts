import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { constants, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createToolActivities } from '../../src/activities/tool-activities';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import { createListDirTool } from '../../src/tools/builtin/list-dir';
import { createReadFileTool } from '../../src/tools/builtin/read-file';
import { createToolRegistry } from '../../src/tools/registry';
import { fileSystemRefusal } from '../../src/tools/workspace';
import { callTool, type CallOutcome } from '../helpers/tool-context';

/**
 * Generous bound on calls that must not block: a broken implementation hangs forever, a correct one
 * answers in milliseconds, so the bound only turns a hang into a failure.
 */
const SETTLE_MS = 10_000;
/** More concurrent reads than libuv has threads (4 by default): enough to starve a worker that blocks. */
const CONCURRENT_READS = 8;

/** Resolves with the promise's value, or rejects when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The message of a refusal, or a description of what came instead. */
function refusal(outcome: CallOutcome): string {
  if (outcome.ok) return `no refusal: ${JSON.stringify(outcome.output)}`;
  return outcome.error.name === 'ToolError' ? outcome.error.message : `${outcome.error.name} (not a ToolError): ${outcome.error.message}`;
}

describe('workspace tools: special files, odd paths and file-system errors', () => {
  jest.setTimeout(60_000);
  let folder: string;
  let workspace: string;
  let socketServer: Server;
  const fifos: string[] = [];

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-files-'));
    workspace = join(folder, 'workspace');
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'notes.txt'), 'notes');
    for (const name of ['pipe', 'other-pipe']) {
      execFileSync('mkfifo', [join(workspace, name)]);
      fifos.push(join(workspace, name));
    }
    symlinkSync('pipe', join(workspace, 'pipe-link'));
    symlinkSync('loop-b', join(workspace, 'loop-a'));
    symlinkSync('loop-a', join(workspace, 'loop-b'));
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer.listen(join(workspace, 'socket'), resolve));
  });

  /**
   * A blocking implementation leaves libuv threads stuck in open() of a FIFO, and queued calls take their
   * place as they are released, which would hang every later test too. Opening each FIFO for writing (from
   * the main thread) releases the waiting readers; repeat until no reader has waited for a while.
   */
  async function releaseBlockedReaders(): Promise<void> {
    let quietRounds = 0;
    for (let round = 0; round < 100 && quietRounds < 10; round += 1) {
      let released = false;
      for (const fifo of fifos) {
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
          released = true;
        } catch {
          // ENXIO: nobody is waiting to read it, which is the expected case.
        }
      }
      quietRounds = released ? 0 : quietRounds + 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  afterEach(releaseBlockedReaders);

  afterAll(async () => {
    await new Promise<void>((resolve) => socketServer.close(() => resolve()));
    rmSync(folder, { recursive: true, force: true });
  });

  it(`${CONCURRENT_READS} concurrent read_file calls on a FIFO are refused at once, and file and DNS operations still work`, async () => {
    const readFileTool = createReadFileTool({ workspace });
    const outcomes = await within(
      Promise.all(Array.from({ length: CONCURRENT_READS }, (_, index) => callTool(readFileTool, { path: index % 2 ? 'pipe' : 'other-pipe' }))),
      SETTLE_MS,
      'read_file on FIFOs',
    );
    for (const outcome of outcomes) expect(refusal(outcome)).toMatch(/^"(other-)?pipe" is a FIFO \(named pipe\), not a regular file/);
    // The worker's thread pool is free: an ordinary read and a name lookup complete.
    await expect(within(readFile(join(workspace, 'notes.txt'), 'utf8'), SETTLE_MS, 'fs.promises.readFile')).resolves.toBe('notes');
    await expect(within(lookup('localhost'), SETTLE_MS, "dns.lookup('localhost')")).resolves.toMatchObject({ address: expect.any(String) });
  });

  it('refuses a FIFO reached through a symlink inside the workspace, a FIFO as a folder, and a socket', async () => {
    const readFileTool = createReadFileTool({ workspace });
    const listDirTool = createListDirTool({ workspace });
    const [throughLink, listed, socket, listedSocket] = await within(
      Promise.all([
        callTool(readFileTool, { path: 'pipe-link' }),
        callTool(listDirTool, { path: 'pipe' }),
        callTool(readFileTool, { path: 'socket' }),
        callTool(listDirTool, { path: 'socket' }),
      ]),
      SETTLE_MS,
      'calls on special files',
    );
    expect(refusal(throughLink)).toBe('"pipe-link" is a FIFO (named pipe), not a regular file: read_file reads regular files only');
    expect(refusal(listed)).toBe('"pipe" is a FIFO (named pipe), not a folder: list_dir lists folders only');
    expect(refusal(socket)).toBe('"socket" is a socket, not a regular file: read_file reads regular files only');
    expect(refusal(listedSocket)).toBe('"socket" is a socket, not a folder: list_dir lists folders only');
  });

  it('lists special files as "other" entries without opening them', async () => {
    const outcome = await within(callTool(createListDirTool({ workspace }), { path: '.' }), SETTLE_MS, 'list_dir');
    expect(outcome).toMatchObject({ ok: true, output: { entries: expect.arrayContaining([{ name: 'pipe', type: 'other' }, { name: 'socket', type: 'other' }]) } });
  });

  it('refuses request errors with a message instead of failing: too-long name, path through a file, loop, folder as file', async () => {
    const readFileTool = createReadFileTool({ workspace });
    const listDirTool = createListDirTool({ workspace });
    const longName = 'n'.repeat(300);
    expect(refusal(await callTool(readFileTool, { path: longName }))).toBe(
      `refused "${'n'.repeat(60)}…": the path or a name in it is too long (at most 255 bytes per name, 4096 per path); use a shorter path`,
    );
    expect(refusal(await callTool(listDirTool, { path: `${longName}/x` }))).toMatch(/too long/);
    expect(refusal(await callTool(readFileTool, { path: 'notes.txt/inner' }))).toBe(
      '"notes.txt/inner" does not exist in the workspace (a part of the path is a file, not a folder)',
    );
    expect(refusal(await callTool(readFileTool, { path: 'loop-a' }))).toBe('refused "loop-a": too many levels of symbolic links');
    expect(refusal(await callTool(readFileTool, { path: '.' }))).toBe('"." is not a file (it is a folder: use list_dir)');
    expect(refusal(await callTool(listDirTool, { path: 'notes.txt' }))).toBe('"notes.txt" is not a folder (use read_file for files)');
  });

  it('a too-long name reaches the model as a non-retryable ToolError, not a retried failure', async () => {
    const activities = createToolActivities(createToolRegistry([createReadFileTool({ workspace })]));
    const activity = activities.read_file;
    if (!activity) throw new Error('no read_file activity');
    const environment = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const failure = await environment.run(activity, { taskId: 's1-1', input: { path: 'n'.repeat(300) }, idempotencyKey: 'long' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ERROR_TYPES.toolError, nonRetryable: true, message: expect.stringMatching(/too long/) });
  });

  it('classifies permission errors as refusals and leaves infrastructure faults to the retry policy', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    // Root (as in CI containers) reads anything, so permission errors are checked on the classifier itself.
    expect(fileSystemRefusal('secret.txt', errno('EACCES'))?.message).toBe('permission denied for "secret.txt": the worker may not read it');
    expect(fileSystemRefusal('secret.txt', errno('EPERM'))?.message).toBe('permission denied for "secret.txt": the worker may not read it');
    expect(fileSystemRefusal('folder', errno('EISDIR'))?.message).toBe('"folder" is not a file (it is a folder: use list_dir)');
    for (const code of ['EIO', 'EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN']) expect(fileSystemRefusal('x', errno(code))).toBeUndefined();
    expect(fileSystemRefusal('x', new Error('no code'))).toBeUndefined();
  });
});
