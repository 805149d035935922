import type { Command } from 'commander';
import { startEmbeddedServer } from '../../runtime/embedded-server';
import { DEFAULT_DEV_SERVER_OPTIONS } from '../../temporal-server/dev-server';
import { parsePort } from '../parse';

interface ServerCommandOptions {
  port: number;
  uiPort: number;
  dbFile: string;
}

/** `durable-agent server`: the embedded dev server in the foreground until Ctrl-C or SIGTERM. */
export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Start the embedded Temporal dev server (SQLite persistence, Web UI) in the foreground; Ctrl-C stops it.')
    .option('--port <port>', 'gRPC port (0 picks a free one)', parsePort, DEFAULT_DEV_SERVER_OPTIONS.port)
    .option('--ui-port <port>', 'Web UI port (0 picks a free one)', parsePort, DEFAULT_DEV_SERVER_OPTIONS.uiPort)
    .option('--db-file <path>', 'SQLite file that keeps runs across restarts', DEFAULT_DEV_SERVER_OPTIONS.dbFile)
    .action(async (options: ServerCommandOptions) => {
      const embedded = await startEmbeddedServer({
        port: options.port,
        uiPort: options.uiPort,
        dbFile: options.dbFile,
        onLog: (line: string) => process.stderr.write(`[temporal] ${line}\n`),
      });
      const { server, codec } = embedded;
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`\n${signal} received, stopping the Temporal dev server…\n`);
        void embedded.stop().then(() => {
          process.stdout.write('Temporal dev server stopped.\n');
          process.exit(0);
        });
      };
      // Listening before the addresses are printed: whoever reads them may signal at once.
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      process.stdout.write(
        `Temporal dev server running (pid ${server.pid}, data in ${server.dbFile})\n` +
          `  gRPC address: ${server.address}\n` +
          `  Web UI:       ${server.uiUrl}\n` +
          (codec ? `  Codec server: ${codec.url}, the Web UI decodes encrypted payloads through it (docs/codec-server.md)\n` : '') +
          'Press Ctrl-C to stop.\n',
      );
      const code = await server.exited;
      if (!stopping) {
        await codec?.close();
        process.stderr.write(`The Temporal dev server exited unexpectedly (exit code ${String(code)}).\n`);
        process.exit(4);
      }
    });
}
