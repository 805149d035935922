import { Cleanup, CLEANUP_STEP_MS, CLEANUP_STEP_WITHOUT_SERVER_MS, SERVER_STOP_MS } from '../../src/runtime/cleanup';
import { startLocalRuntime } from '../../src/runtime/local-runtime';

const never = () => new Promise<never>(() => undefined);

/** The local runtime's shutdown: what was started stops in reverse order, every step bounded, whatever fails. */
describe('local runtime clean-up', () => {
  it('runs the steps last-added first, past a step that rejects, throws or hangs; a second run finds none left', async () => {
    const order: string[] = [];
    const cleanup = new Cleanup();
    cleanup.add(async () => void order.push('mcp servers'));
    cleanup.add(async () => void order.push('scripted model'));
    cleanup.add(async () => void order.push('embedded server'), SERVER_STOP_MS);
    cleanup.add(() => {
      order.push('client (hangs)');
      return never();
    }, 50);
    cleanup.add(() => {
      order.push('worker connection (throws)');
      throw new Error('sync failure');
    });
    cleanup.add(async () => {
      order.push('worker (rejects)');
      throw new Error('async failure');
    });
    await cleanup.run();
    expect(order).toEqual(['worker (rejects)', 'worker connection (throws)', 'client (hangs)', 'embedded server', 'scripted model', 'mcp servers']);
    await cleanup.run();
    expect(order).toHaveLength(6);
  });

  it('with the server lost, each step gets the short bound instead of its own', async () => {
    const cleanup = new Cleanup({ withoutServerMs: 30 });
    cleanup.add(never, 60_000);
    cleanup.add(never, 60_000);
    const started = Date.now();
    await cleanup.run({ serverLost: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('bounds the steps as documented: 5 s each, 12 s for the embedded server, 1 s once the server is lost', () => {
    expect([CLEANUP_STEP_MS, SERVER_STOP_MS, CLEANUP_STEP_WITHOUT_SERVER_MS]).toEqual([5_000, 12_000, 1_000]);
  });

  it('a failed tool check ends the start before any model, server or worker exists', async () => {
    const checked: string[][] = [];
    const progress: string[] = [];
    const start = startLocalRuntime({
      onProgress: (line) => progress.push(line),
      checkTools: (names) => {
        checked.push([...names]);
        throw new Error('Unknown tool in --tools: nope.');
      },
      beforeWorker: () => Promise.reject(new Error('never reached')),
    });
    await expect(start).rejects.toThrow('Unknown tool in --tools: nope.');
    expect(checked[0]).toEqual(expect.arrayContaining(['list_dir', 'read_file', 'wait']));
    expect(progress).toEqual([]);
  });
});
