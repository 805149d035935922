import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cachedBinaryPath, resolveTemporalBinary } from '../../src/temporal-server/temporal-binary';

/**
 * A stand-in `go` on PATH: `go env GOVERSION` answers a recent version; `go install` records its pid, sleeps
 * `FAKE_GO_MS`, then writes an executable `temporal` into $GOBIN. Each install appends a line to `installs`.
 */
function fakeGo(folder: string): NodeJS.ProcessEnv {
  const bin = join(folder, 'bin');
  const script = join(bin, 'go');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      'if [ "$1" = env ]; then echo go1.26.0; exit 0; fi',
      `echo $$ >> "${join(folder, 'installs')}"`,
      'sleep "${FAKE_GO_SECONDS:-1}"',
      'printf "#!/bin/sh\\necho temporal\\n" > "$GOBIN/temporal"; chmod +x "$GOBIN/temporal"',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  const { TEMPORAL_CLI_PATH: _path, ...rest } = process.env;
  return { ...rest, PATH: `${bin}:/usr/bin:/bin`, DURABLE_AGENT_CACHE_DIR: join(folder, 'cache') };
}

const installs = (folder: string) => (existsSync(join(folder, 'installs')) ? readFileSync(join(folder, 'installs'), 'utf8').trim().split('\n') : []);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One Temporal CLI build at a time per machine, and a stopped command stops its build (issue 24). */
describe('building the Temporal CLI', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-build-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('two commands at once: one builds, the other waits for it and uses its binary', async () => {
    const env = fakeGo(folder);
    const lines: string[] = [];
    const [first, second] = await Promise.all([
      resolveTemporalBinary({ env: { ...env, FAKE_GO_SECONDS: '2' }, onProgress: (line) => lines.push(line) }),
      new Promise((wait) => setTimeout(wait, 300)).then(() => resolveTemporalBinary({ env, onProgress: (line) => lines.push(line) })),
    ]);
    expect(first).toBe(cachedBinaryPath(env));
    expect(second).toBe(first);
    expect(installs(folder)).toHaveLength(1);
    expect(lines.some((line) => /Another durable-agent command \(pid \d+\) is building the Temporal CLI; waiting for it/.test(line))).toBe(true);
  }, 30_000);

  it('a command stopped while it builds stops its go process and frees the lock for the next one', async () => {
    const env = fakeGo(folder);
    const entry = resolve(__dirname, '../../src/temporal-server/temporal-binary.ts');
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', `require(${JSON.stringify(entry)}).resolveTemporalBinary()`], {
      env: { ...env, FAKE_GO_SECONDS: '60' },
      cwd: resolve(__dirname, '../..'),
      stdio: 'ignore',
    });
    const deadline = Date.now() + 20_000;
    while (installs(folder).length === 0 && Date.now() < deadline) await new Promise((wait) => setTimeout(wait, 100));
    const goPid = Number(installs(folder)[0]);
    expect(alive(goPid)).toBe(true);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
    expect(code).toBe(143);
    const gone = Date.now() + 5_000;
    while (alive(goPid) && Date.now() < gone) await new Promise((wait) => setTimeout(wait, 100));
    expect(alive(goPid)).toBe(false);
    // The next command is not held up by a lock: it builds at once.
    await expect(resolveTemporalBinary({ env, onProgress: () => undefined })).resolves.toBe(cachedBinaryPath(env));
    expect(installs(folder)).toHaveLength(2);
  }, 60_000);
});
