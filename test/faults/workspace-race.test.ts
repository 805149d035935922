import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createListDirTool } from '../../src/tools/builtin/list-dir';
import { createReadFileTool } from '../../src/tools/builtin/read-file';
import { saveFigure } from '../helpers/figures';
import { callTool, type CallOutcome } from '../helpers/tool-context';

const SWAPPER = join(__dirname, '..', 'helpers', 'swap-race.py');
/** How long the swapper races, and its cap on swaps: bounded whatever the machine's speed. */
const RACE_SECONDS = 4;
const MAX_SWAPS = 5_000_000;
/** Calls in flight at once, and the most calls the test makes. */
const CONCURRENT_CALLS = 16;
const MAX_CALLS = 40_000;
/** Generous bound for the swapper to start and to stop (latches, not timing assertions). */
const LATCH_MS = 15_000;

interface Swapper {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<void>;
  stdout: () => string;
}

/** Starts the swapper and resolves once it has made its first exchange. */
async function startSwapper(first: string, second: string): Promise<Swapper> {
  const child = spawn('python3', [SWAPPER, first, second, String(RACE_SECONDS), String(MAX_SWAPS)], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`swap-race.py did not start within ${LATCH_MS} ms; stderr: ${stderr}`)), LATCH_MS);
    const check = () => {
      if (stdout.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.once('error', (error) => reject(new Error(`could not start python3 for swap-race.py: ${error.message}`)));
    void exited.then(() => reject(new Error(`swap-race.py ended before its first swap (code ${String(child.exitCode)}): ${stderr}`)));
  });
  await started;
  return { child, exited, stdout: () => stdout };
}

// renameat2(RENAME_EXCHANGE) and /proc/self/fd are Linux's: elsewhere the race cannot be staged this way.
const describeOnLinux = process.platform === 'linux' ? describe : describe.skip;

describeOnLinux('workspace confinement holds while a folder is atomically swapped with a symlink to the outside', () => {
  jest.setTimeout(60_000);
  let folder: string;
  let workspace: string;
  let swapper: Swapper | undefined;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-race-'));
    workspace = join(folder, 'workspace');
    const outside = join(folder, 'outside');
    mkdirSync(join(workspace, 'data'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(workspace, 'data', 'notes.txt'), 'inside notes');
    writeFileSync(join(workspace, 'data', 'inside-only.txt'), 'inside');
    // Same file name as inside, so only the content tells which one was read.
    writeFileSync(join(outside, 'notes.txt'), 'SECRET-OUTSIDE');
    writeFileSync(join(outside, 'SECRET-NAME.txt'), 'SECRET-OUTSIDE');
    // The swapper exchanges workspace/data with this link (kept outside the workspace, on the same file system).
    symlinkSync(outside, join(folder, 'staging-link'));
  });

  afterAll(async () => {
    const pid = swapper?.child.pid;
    if (swapper && pid !== undefined && swapper.child.exitCode === null && swapper.child.signalCode === null) {
      process.kill(pid, 'SIGKILL');
      await swapper.exited;
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it('read_file and list_dir never return the outside file or its names, whatever the interleaving', async () => {
    const readFile = createReadFileTool({ workspace });
    const listDir = createListDirTool({ workspace });
    const outcomes: Array<{ tool: string; outcome: CallOutcome }> = [];
    swapper = await startSwapper(join(workspace, 'data'), join(folder, 'staging-link'));
    let swapperDone = false;
    void swapper.exited.then(() => (swapperDone = true));
    const deadline = Date.now() + (RACE_SECONDS + 5) * 1_000;
    while (!swapperDone && outcomes.length < MAX_CALLS && Date.now() < deadline) {
      const batch = Array.from({ length: CONCURRENT_CALLS }, (_, index) =>
        index % 2 === 0
          ? callTool(readFile, { path: 'data/notes.txt' }).then((outcome) => ({ tool: 'read_file', outcome }))
          : callTool(listDir, { path: 'data' }).then((outcome) => ({ tool: 'list_dir', outcome })),
      );
      outcomes.push(...(await Promise.all(batch)));
    }
    const { pid } = swapper.child;
    if (!swapperDone && pid !== undefined) process.kill(pid, 'SIGTERM');
    await swapper.exited;
    expect(swapper.child.exitCode).toBe(0);
    // The swapper leaves the names as they were: the workspace folder is a folder again.
    expect(lstatSync(join(workspace, 'data')).isDirectory()).toBe(true);

    const leaks = outcomes.filter(({ outcome }) => JSON.stringify(outcome.ok ? outcome.output : outcome.error.message).includes('SECRET'));
    const unclassified = outcomes.filter(({ outcome }) => !outcome.ok && outcome.error.name !== 'ToolError');
    const succeeded = outcomes.filter(({ outcome }) => outcome.ok);
    const refused = outcomes.filter(({ outcome }) => !outcome.ok && outcome.error.name === 'ToolError');
    const figure = {
      calls: outcomes.length,
      succeeded: succeeded.length,
      refused: refused.length,
      leaks: leaks.length,
      unclassified: unclassified.length,
      swaps: Number(/swaps (\d+)/.exec(swapper.stdout())?.[1] ?? 0),
      refusalReasons: countBy(refused.map(({ outcome }) => (outcome.ok ? '' : reasonOf(outcome.error.message)))),
    };
    saveFigure('workspace-race', figure);

    expect(leaks.slice(0, 3)).toEqual([]);
    expect(unclassified.slice(0, 3).map(({ outcome }) => (outcome.ok ? '' : `${outcome.error.name}: ${outcome.error.message}`))).toEqual([]);
    // The race really happened: some calls saw the folder, some the link.
    expect(succeeded.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const { tool, outcome } of succeeded) {
      if (tool === 'read_file') expect(outcome).toMatchObject({ output: { path: 'data/notes.txt', text: 'inside notes' } });
      else expect(outcome).toMatchObject({ output: { path: 'data', entries: [{ name: 'inside-only.txt' }, { name: 'notes.txt' }] } });
    }
  });
});

/** A refusal's reason without the quoted path, to count refusals by kind. */
function reasonOf(message: string): string {
  return message.replace(/"[^"]*"/g, '"…"');
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
