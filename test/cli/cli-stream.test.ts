import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli, waitForOutput } from '../helpers/cli';

const ANSWER = 'The repository holds a durable agent runtime. Its loop is a workflow, its tools are activities, and its model streams.';

/** The model's text as it writes, in `run` and `follow` (docs/streaming.md), against the shared dev server. */
describe('CLI: the model writes live', () => {
  jest.setTimeout(120_000);
  let folder: string;
  let env: NodeJS.ProcessEnv;

  const script = (name: string, chunkDelayMs: number): string => {
    const path = join(folder, name);
    writeFileSync(path, JSON.stringify({ turns: [{ content: ANSWER, chunkDelayMs }] }));
    return path;
  };

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-cli-stream-'));
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...rest } = process.env;
    env = { ...rest, TEMPORAL_ADDRESS: process.env.DURABLE_AGENT_TEST_ADDRESS, NO_COLOR: '1' };
  });
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('run prints the text on a line of its own as it comes, then the answer as before', async () => {
    const running = startCli(['run', '--script', script('run.json', 40), '--max-steps', '3', 'describe', 'it'], env);
    // Part of the text is out while the model still writes (the whole takes ~1.2 s).
    const partial = await waitForOutput(running, / {2}model: The repository[^\n]*/);
    const ended = await running.done;
    expect(ended.code).toBe(0);
    expect(partial[0].length).toBeLessThan(`  model: ${ANSWER}`.length);
    const lines = ended.stdout.split('\n');
    // The text on `  model: ` lines (a progress line may split it in two), then the final answer after them, as always.
    const live = lines.flatMap((line, index) => (line.startsWith('  model: ') ? [index] : []));
    expect(live.map((index) => lines[index]!.slice('  model: '.length)).join('')).toBe(ANSWER);
    expect(lines.slice(live.at(-1)! + 1).join('\n')).toContain(ANSWER);
  });

  it('follow shows the text of a run under way, and --json --text-json gives it as model_text objects', async () => {
    const running = startCli(['run', '--script', script('follow.json', 80), '--max-steps', '3', 'describe', 'it'], env);
    try {
      const id = (await waitForOutput(running, /Run (\S+) started/))[1]!;
      const [plain, json] = await Promise.all([runCli(['follow', id], env, 60_000), runCli(['follow', id, '--json', '--text-json'], env, 60_000)]);
      expect(plain.code).toBe(0);
      // The text on `  model: ` lines, which an event line may split in two (the text can come before `step_started`).
      const written = plain.stdout.split('\n').filter((line) => line.startsWith('  model: ')).map((line) => line.slice('  model: '.length));
      expect(written.join('')).toBe(ANSWER);
      const objects = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      const text = objects.filter((object) => object.type === 'model_text' && object.chunk === 'text').map((object) => object.text).join('');
      expect(text).toBe(ANSWER);
      expect(objects.some((object) => object.type === 'model_text' && object.chunk === 'done')).toBe(true);
      expect(objects.some((object) => object.type === 'run_ended')).toBe(true);
      // Without --text-json, --json output is events only, as before.
      const eventsOnly = await runCli(['follow', id, '--json'], env, 60_000);
      expect(eventsOnly.stdout).not.toContain('model_text');
    } finally {
      running.kill('SIGINT');
      await running.done;
    }
  });
});
