import { loadModelConfig, type ModelConfig } from '../config/model-config';
import { DEMO_SCRIPT } from '../demo/demo-script';
import { compileScript, loadScriptFile } from '../scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../scripted-model/server';

/** Which model a local runtime (`run`, `mcp-server --local`) uses, and how to reach it. */
export interface ModelChoice {
  kind: 'openai' | 'script' | 'demo';
  config: ModelConfig;
  /** One line for the user saying which model answers. */
  notice: string;
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
      scripted,
    };
  }
  if (config.apiKey || config.baseURL) {
    return { kind: 'openai', config, notice: `Model: ${config.defaultModel} at ${config.baseURL ?? 'the OpenAI API'}.` };
  }
  const scripted = await startScriptedModel(compileScript(DEMO_SCRIPT, 'the built-in demo script'));
  return {
    kind: 'demo',
    config: { ...config, apiKey: 'scripted', baseURL: scripted.baseURL, defaultModel: 'scripted-demo' },
    notice:
      'Model: the built-in scripted demo (offline; no LLM is called) because OPENAI_API_KEY is not set. ' +
      'Set OPENAI_API_KEY for a real model, or pass --script FILE for your own script.',
    scripted,
  };
}
