import { InvalidArgumentError, type Command } from 'commander';
import { KEY_FILE_VARIABLE, KEYS_VARIABLE, loadEncryptionKeys } from '../../codec/encryption-keys';
import { codecTokenProblem, originOf } from '../../codec-server/codec-access';
import { DEFAULT_CODEC_SERVER_OPTIONS, startCodecServer } from '../../codec-server/codec-server';
import { ConfigurationError } from '../../config/temporal-config';
import { listenForInterrupts } from '../interrupts';
import { parsePort, parsePositiveInteger } from '../parse';

/** Where the token comes from when `--token` is not given (a flag shows in the process list; the environment does not). */
export const CODEC_TOKEN_VARIABLE = 'DURABLE_AGENT_CODEC_TOKEN';

interface CodecServerCommandOptions {
  port: number;
  host: string;
  uiOrigin: string[];
  token?: string;
  maxBodyBytes: number;
}

/** True for an address only this machine reaches. */
function isLoopback(host: string): boolean {
  return ['localhost', '::1', '[::1]'].includes(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function collectOrigin(value: string, previous: string[]): string[] {
  try {
    return [...previous, originOf(value)];
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

/** The token of `--token`, else of the environment, else undefined (a new one is made); checked here, not by commander, which would repeat it. */
function givenToken(flag: string | undefined): string | undefined {
  if (flag !== undefined) {
    const problem = codecTokenProblem(flag);
    if (problem) throw new InvalidArgumentError(`--token: ${problem}.`);
    return flag;
  }
  const token = process.env[CODEC_TOKEN_VARIABLE]?.trim();
  if (!token) return undefined;
  const problem = codecTokenProblem(token);
  if (problem) throw new ConfigurationError(`${CODEC_TOKEN_VARIABLE}: ${problem}.`);
  return token;
}

/** `durable-agent codec-server`: Temporal's codec server protocol over the payload encryption keys, until Ctrl-C or SIGTERM. */
export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description('Serve /encode and /decode with the payload encryption keys, for the Temporal UI and the temporal CLI (docs/codec-server.md).')
    .option('--port <port>', 'port (0 picks a free one)', parsePort, DEFAULT_CODEC_SERVER_OPTIONS.port)
    .option('--host <host>', 'address to listen on', DEFAULT_CODEC_SERVER_OPTIONS.host)
    .option('--ui-origin <url>', 'a Temporal UI allowed to call from the browser, such as http://localhost:8233 (repeatable)', collectOrigin, [])
    .option('--token <token>', `the token requests present (default: $${CODEC_TOKEN_VARIABLE}, else a new random one)`)
    .option('--max-body-bytes <n>', 'largest request body', parsePositiveInteger, DEFAULT_CODEC_SERVER_OPTIONS.maxBodyBytes)
    .action(async (options: CodecServerCommandOptions) => {
      const keys = loadEncryptionKeys(process.env);
      if (!keys) {
        throw new ConfigurationError(
          `codec-server needs the payload encryption keys of your workers: set ${KEYS_VARIABLE} (or ${KEY_FILE_VARIABLE}); \`durable-agent new-key\` prints a key.`,
        );
      }
      const given = givenToken(options.token);
      const server = await startCodecServer({ keys, token: given, host: options.host, port: options.port, uiOrigins: options.uiOrigin, maxBodyBytes: options.maxBodyBytes });
      const interrupts = listenForInterrupts();
      const lines = [
        `Codec server listening on ${server.url}, keys ${keys.keyIds.join(', ')} (${keys.activeKeyId} encrypts) from ${keys.source}`,
        `  Temporal UI, Remote Codec Endpoint: ${server.endpoint}`,
        options.uiOrigin.length > 0
          ? `  UI origins allowed: ${options.uiOrigin.join(', ')}`
          : '  UI origins allowed: none, so browsers are refused (add --ui-origin http://localhost:8233 for a UI there)',
        `  temporal CLI: --codec-endpoint ${server.url} --codec-auth "Bearer ${server.token}"`,
        ...(given ? [] : [`  The token is new: set ${CODEC_TOKEN_VARIABLE} to keep it across restarts.`]),
        ...(isLoopback(options.host) ? [] : [`Warning: listening beyond loopback (${options.host}) without TLS: put it behind an HTTPS proxy, or anyone on the path reads the token and the payloads.`]),
        'Press Ctrl-C to stop.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      await interrupts.received;
      await server.close();
      interrupts.dispose();
      process.stdout.write('Codec server stopped.\n');
    });
}
