import { loadModelConfig, type ModelConfig } from '../config/model-config';
import { DEMO_SCRIPT } from '../demo/demo-script';
import { compileScript, loadScriptFile } from '../scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../scripted-model/server';

/** Which model a local runtime (`run`, `mcp-server --local`) uses, and how to reach it. */
export interface ModelChoice {
  kind: 'openai' | 'script' | 'demo';
  config: ModelConfig;
  /** One line for the user saying which model answers (the worker's default). */
  notice: string;
  /** The same line for a run that names its own model (`--model`): a real model server serves that name. */
  noticeFor: (model: string | undefined) => string;
  /** The in-process scripted model, for `script` and `demo`. */
  scripted?: ScriptedModelServer;
}

/**
 * `--script FILE` → that script; `OPENAI_API_KEY` set → the real model (or any compatible server at
 * `OPENAI_BASE_URL`); neither → the built-in offline demo script, said plainly.
 */
export async function chooseModel(scriptPath: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ModelChoice> {
  const config = loadModelConfig(env);
  if (scriptPath) {
    const scripted = await startScriptedModel(loadScriptFile(scriptPath));
    return {
      kind: 'script',
      config: { ...config, apiKey: 'scripted', baseURL: scripted.baseURL, defaultModel: 'scripted' },
      notice: `Model: scripted, answering from ${scriptPath} (no LLM is called).`,
      noticeFor: () => `Model: scripted, answering from ${scriptPath} (no LLM is called).`,
      scripted,
    };
  }
  if (config.apiKey || config.baseURL) {
    const noticeFor = (model: string | undefined) => `Model: ${model ?? config.defaultModel} at ${config.baseURL ?? 'the OpenAI API'}.`;
    return { kind: 'openai', config, notice: noticeFor(undefined), noticeFor };
  }
  const scripted = await startScriptedModel(compileScript(DEMO_SCRIPT, 'the built-in demo script'));
  const demo =
    'Model: the built-in scripted demo (offline; no LLM is called) because OPENAI_API_KEY is not set. ' +
    'Set OPENAI_API_KEY for a real model, or pass --script FILE for your own script.';
  return {
    kind: 'demo',
    config: { ...config, apiKey: 'scripted', baseURL: scripted.baseURL, defaultModel: 'scripted-demo' },
    notice: demo,
    noticeFor: () => demo,
    scripted,
  };
}
