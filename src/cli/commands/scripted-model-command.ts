import type { Command } from 'commander';
import { ConfigurationError } from '../../config/temporal-config';
import { loadScriptFile } from '../../scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../scripted-model/server';
import { listenForInterrupts } from '../interrupts';
import { parseNonNegativeInteger, parsePort } from '../parse';

/** Raised when a port asked for with `--port` is taken; a configuration problem (exit 3). */
export class PortInUseError extends ConfigurationError {
  override name = 'PortInUseError';
  constructor(port: number) {
    super(`port ${port} is in use on 127.0.0.1 (another scripted model or program listens there): choose another --port, or --port 0 for a free one.`);
  }
}

async function serve(scriptPath: string, port: number, chunkDelayMs: number): Promise<ScriptedModelServer> {
  const script = loadScriptFile(scriptPath);
  try {
    return await startScriptedModel(script, { port, chunkDelayMs });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port);
    throw error;
  }
}

/** `durable-agent scripted-model`: the offline OpenAI-compatible model, in the foreground until Ctrl-C or SIGTERM. */
export function registerScriptedModelCommand(program: Command): void {
  program
    .command('scripted-model')
    .description('Serve an OpenAI-compatible model on 127.0.0.1 that answers from a script file (see docs/scripted-model.md).')
    .requiredOption('--script <file>', 'the script file')
    .option('--port <port>', 'port (0 picks a free one)', parsePort, 0)
    .option('--chunk-delay-ms <ms>', 'streamed answers: the pause between two chunks (a turn may set its own chunkDelayMs)', parseNonNegativeInteger, 0)
    .action(async (options: { script: string; port: number; chunkDelayMs: number }) => {
      const server = await serve(options.script, options.port, options.chunkDelayMs);
      const interrupts = listenForInterrupts();
      process.stdout.write(`Scripted model serving ${options.script}\n  OPENAI_BASE_URL=${server.baseURL}\nPress Ctrl-C to stop.\n`);
      // The command ends (and the process with it) only when asked to.
      await interrupts.received;
      await server.close();
      interrupts.dispose();
    });
}
