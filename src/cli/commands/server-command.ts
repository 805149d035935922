import type { Command } from 'commander';
import { DEFAULT_JAEGER_OPTIONS, startJaeger, type Jaeger } from '../../observability/jaeger';
import { resolveJaegerBinary } from '../../observability/jaeger-binary';
import { startEmbeddedServer } from '../../runtime/embedded-server';
import { DEFAULT_DEV_SERVER_OPTIONS } from '../../temporal-server/dev-server';
import { parsePort } from '../parse';

interface ServerCommandOptions {
  port: number;
  uiPort: number;
  dbFile: string;
  withTracing?: boolean;
  otlpPort: number;
  jaegerPort: number;
}

/** `durable-agent server`: the embedded dev server in the foreground until Ctrl-C or SIGTERM. */
export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Start the embedded Temporal dev server (SQLite persistence, Web UI) in the foreground; Ctrl-C stops it.')
    .option('--port <port>', 'gRPC port (0 picks a free one)', parsePort, DEFAULT_DEV_SERVER_OPTIONS.port)
    .option('--ui-port <port>', 'Web UI port (0 picks a free one)', parsePort, DEFAULT_DEV_SERVER_OPTIONS.uiPort)
    .option('--db-file <path>', 'SQLite file that keeps runs across restarts', DEFAULT_DEV_SERVER_OPTIONS.dbFile)
    .option(
      '--with-tracing',
      'also start Jaeger (in-memory traces; OTLP/HTTP on 127.0.0.1:4318, UI on http://127.0.0.1:16686), built with Go once per machine or taken from JAEGER_PATH',
    )
    .option('--otlp-port <port>', 'with --with-tracing: port of the OTLP/HTTP receiver (0 picks a free one)', parsePort, DEFAULT_JAEGER_OPTIONS.otlpHttpPort)
    .option('--jaeger-port <port>', 'with --with-tracing: port of the Jaeger UI and query API (0 picks a free one)', parsePort, DEFAULT_JAEGER_OPTIONS.queryPort)
    .action(async (options: ServerCommandOptions) => {
      // Jaeger's binary first: its first build takes many minutes, and a failure then leaves nothing started.
      if (options.withTracing) await resolveJaegerBinary();
      const embedded = await startEmbeddedServer({
        port: options.port,
        uiPort: options.uiPort,
        dbFile: options.dbFile,
        onLog: (line: string) => process.stderr.write(`[temporal] ${line}\n`),
      });
      let jaeger: Jaeger | undefined;
      if (options.withTracing) {
        try {
          jaeger = await startJaeger({ otlpHttpPort: options.otlpPort, queryPort: options.jaegerPort });
        } catch (error) {
          await embedded.stop();
          throw error;
        }
      }
      const { server, codec } = embedded;
      const both = jaeger ? 'Temporal dev server and Jaeger' : 'Temporal dev server';
      // Set once a signal came: resolves when both are stopped, and only then does the command end (exit 0).
      let stopped: Promise<void> | undefined;
      const stop = (signal: NodeJS.Signals) => {
        if (stopped) return;
        process.stdout.write(`\n${signal} received, stopping the ${both}…\n`);
        stopped = Promise.all([embedded.stop(), jaeger?.stop()]).then(() => {
          process.stdout.write(`${both} stopped.\n`);
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
          (jaeger
            ? `Jaeger running (pid ${jaeger.pid}, traces in memory until it stops)\n` +
              `  Jaeger UI:    ${jaeger.queryUrl}\n` +
              (jaeger.hasUi
                ? ''
                : '    (this Jaeger binary was built without the UI assets: the page is a placeholder; the query API ' +
                  `${jaeger.queryUrl}/api/traces?service=durable-agent works. For the full UI, set JAEGER_PATH to a Jaeger release binary.)\n`) +
              `  OTLP/HTTP:    ${jaeger.otlpEndpoint}; start workers and clients with:\n` +
              `    OTEL_EXPORTER_OTLP_ENDPOINT=${jaeger.otlpEndpoint}\n`
            : '') +
          'Press Ctrl-C to stop.\n',
      );
      const ended = await Promise.race([
        server.exited.then((code) => ({ what: 'The Temporal dev server', code })),
        ...(jaeger ? [jaeger.exited.then((code) => ({ what: 'Jaeger', code }))] : []),
      ]);
      if (stopped) return await stopped;
      stopped = Promise.all([embedded.stop(), jaeger?.stop()]).then(() => undefined);
      await stopped;
      process.stderr.write(`${ended.what} exited unexpectedly (exit code ${String(ended.code)}).\n`);
      process.exit(4);
    });
}
