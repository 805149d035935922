import type { Command } from 'commander';
import { loadScriptFile } from '../../scripted-model/script';
import { startScriptedModel } from '../../scripted-model/server';
import { parsePort } from '../parse';

/** `durable-agent scripted-model`: the offline OpenAI-compatible model, in the foreground. */
export function registerScriptedModelCommand(program: Command): void {
  program
    .command('scripted-model')
    .description('Serve an OpenAI-compatible model on 127.0.0.1 that answers from a script file (see docs/scripted-model.md).')
    .requiredOption('--script <file>', 'the script file')
    .option('--port <port>', 'port (0 picks a free one)', parsePort, 0)
    .action(async (options: { script: string; port: number }) => {
      const server = await startScriptedModel(loadScriptFile(options.script), { port: options.port });
      process.stdout.write(`Scripted model serving ${options.script}\n  OPENAI_BASE_URL=${server.baseURL}\nPress Ctrl-C to stop.\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
