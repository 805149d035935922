import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileScript, faultFor, loadScriptFile, ScriptError } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';

describe('scripted model scripts', () => {
  it('attaches fault turns to the answer after them and expands repeats', () => {
    const answers = compileScript({
      turns: [
        { status: 429, retryAfterMs: 200, times: 2 },
        { delayMs: 50 },
        { toolCalls: [{ name: 'a', arguments: {} }], repeat: 2 },
        { content: 'done' },
      ],
    });
    expect(answers).toHaveLength(3);
    const first = answers[0];
    if (!first) throw new Error('no first answer');
    expect([0, 1, 2, 3].map((attempt) => faultFor(first, attempt))).toEqual([
      expect.objectContaining({ status: 429 }),
      expect.objectContaining({ status: 429 }),
      expect.objectContaining({ delayMs: 50 }),
      undefined,
    ]);
    expect(answers[2]?.faults).toEqual([]);
  });

  it('names the JSON path of each problem', () => {
    expect(() => compileScript({ turns: [{ toolCalls: [{ name: 5 }] }] })).toThrow(/at \$\.turns\[0\]\.toolCalls\[0\]\.name/);
    expect(() => compileScript({ turns: [{ contnet: 'typo' }] })).toThrow(/at \$\.turns\[0\]: Unrecognized key/);
    expect(() => compileScript({ turns: [] })).toThrow(/at \$\.turns: a script needs at least one turn/);
    expect(() => compileScript({ turns: [{ content: 'x' }, { status: 500 }] })).toThrow(/faults with no answer after them/);
  });

  it('reports a file that is not JSON with its name', () => {
    const folder = mkdtempSync(join(tmpdir(), 'script-'));
    const file = join(folder, 'broken.json');
    writeFileSync(file, '{"turns": [');
    expect(() => loadScriptFile(file)).toThrow(ScriptError);
    expect(() => loadScriptFile(file)).toThrow(/broken\.json is not valid JSON/);
    expect(() => loadScriptFile(join(folder, 'missing.json'))).toThrow(/cannot read the script/);
  });
});

describe('templates in tool arguments', () => {
  it('fills {{goal}} and {{turn}} in argument strings, at any depth, and leaves other text alone', async () => {
    const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'http_get', arguments: { url: 'http://h/{{goal}}/{{turn}}', list: ['{{goal}}', 3], note: 'no {{unknown}}' } }] }] }));
    try {
      const response = await fetch(`${model.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'scripted', messages: [{ role: 'user', content: 'run-7' }], tools: [{ type: 'function', function: { name: 'http_get', parameters: {} } }] }),
      });
      const body = (await response.json()) as { choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }> };
      expect(JSON.parse(body.choices[0]?.message.tool_calls[0]?.function.arguments ?? '{}')).toEqual({ url: 'http://h/run-7/1', list: ['run-7', 3], note: 'no {{unknown}}' });
    } finally {
      await model.close();
    }
  });
});
