import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { AGENT_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { UI_URL_NAMESPACE_KEY } from '../client/ui-url';
import { resolveTemporalBinary } from './temporal-binary';

export interface DevServerOptions {
  /** Address the gRPC and UI servers bind to. Only loopback is used by this project. @default '127.0.0.1' */
  ip?: string;
  /** gRPC port; 0 picks a free one. @default 7233 */
  port?: number;
  /** Web UI port; 0 picks a free one. @default 8233 */
  uiPort?: number;
  /** SQLite file the server persists to. @default '.temporal/dev.sqlite' */
  dbFile?: string;
  /** Namespace created at start. @default 'default' */
  namespace?: string;
  /** How long to wait for the server to answer. @default 60_000 */
  readyTimeoutMs?: number;
  /** Receives progress lines (binary build, start). @default writes to stderr */
  onProgress?: (line: string) => void;
  /** Receives every line the server prints (its banner, then errors only). @default kept for error messages only */
  onLog?: (line: string) => void;
  /** Environment used to find or build the binary. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Run the server in its own process group, so a Ctrl-C in the terminal reaches only this process, which
   * then decides when to stop the server (`run` must still cancel its run through it). The server is
   * stopped when this process exits; only a SIGKILL of this process leaves it running.
   * @default false: the server gets the terminal's signals with this process
   */
  ownProcessGroup?: boolean;
  /**
   * The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`): the browser posts each payload it
   * shows to `<endpoint>/decode` (src/codec-server/codec-server.ts). @default none: the UI shows payloads as stored
   */
  uiCodecEndpoint?: string;
  /** Picks a port given as 0 (tests inject one that collides). @default {@link freePort}: the OS's choice */
  pickPort?: (ip: string) => Promise<number>;
}

export const DEFAULT_DEV_SERVER_OPTIONS = {
  ip: '127.0.0.1',
  port: 7233,
  uiPort: 8233,
  dbFile: '.temporal/dev.sqlite',
  namespace: 'default',
  readyTimeoutMs: 60_000,
} as const;

/** A running Temporal dev server started by this process. */
export interface DevServer {
  /** `host:port` of the gRPC frontend. */
  readonly address: string;
  /** URL of the Web UI. */
  readonly uiUrl: string;
  readonly namespace: string;
  readonly dbFile: string;
  readonly pid: number;
  /** Resolves with the exit code when the server process ends, for whatever reason. */
  readonly exited: Promise<number | null>;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and waits for the process to end. */
  stop(graceMs?: number): Promise<void>;
}

/** Raised when the server process could not be started or did not become ready. */
export class DevServerStartError extends Error {
  override name = 'DevServerStartError';

  constructor(
    message: string,
    /** The ports the server said were already in use. */
    readonly portsTaken: readonly number[] = [],
  ) {
    super(message);
  }
}

/** Asks the OS for a free TCP port on `ip`. */
export async function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** How many times a server whose ports were picked here (0) starts anew on other ports after a port was taken meanwhile. */
export const AUTO_PORT_ATTEMPTS = 3;

/**
 * Finds or builds the Temporal CLI, starts `temporal server start-dev`, and waits until it answers. A port given as 0
 * is asked of the OS just before the start; should another socket take it before the server binds it ("address already
 * in use"), the server starts again on new ports, up to {@link AUTO_PORT_ATTEMPTS} times. A port given is never
 * replaced: its being taken fails the start with a hint.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const settings = { ...DEFAULT_DEV_SERVER_OPTIONS, ...options };
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const binary = await resolveTemporalBinary({ env: options.env, onProgress });
  const dbFile = resolve(settings.dbFile);
  mkdirSync(dirname(dbFile), { recursive: true });
  const pick = options.pickPort ?? freePort;
  for (let attempt = 1; ; attempt += 1) {
    const port = settings.port === 0 ? await pick(settings.ip) : settings.port;
    const uiPort = settings.uiPort === 0 ? await pick(settings.ip) : settings.uiPort;
    const launched = await launch(binary, { ...settings, port, uiPort, dbFile }, options);
    if (!('failure' in launched)) {
      await recordUiUrl(launched.address, settings.namespace, launched.uiUrl, onProgress);
      return launched;
    }
    const { failure, output } = launched;
    const portsTaken = [port, uiPort].filter((candidate) => new RegExp(`:${candidate}\\b.*address already in use`, 'i').test(output));
    const pickedTaken = (settings.port === 0 && portsTaken.includes(port)) || (settings.uiPort === 0 && portsTaken.includes(uiPort));
    if (pickedTaken && attempt < AUTO_PORT_ATTEMPTS) continue;
    const address = `${settings.ip}:${port}`;
    const portHint = /address already in use/i.test(output)
      ? `\nPort ${port} or ${uiPort} is already in use: a Temporal server may already run there (use it with TEMPORAL_ADDRESS=${address}) or choose other ports.`
      : '';
    throw new DevServerStartError(`The Temporal dev server (${binary}) did not start: ${failure}${portHint}` + (output ? `\nIts last output:\n${output}` : ''), portsTaken);
  }
}

type LaunchSettings = Required<Pick<DevServerOptions, 'ip' | 'port' | 'uiPort' | 'dbFile' | 'namespace' | 'readyTimeoutMs'>>;

/** One start of the server process on the given ports: the server once it answers, or why it did not with its last output. */
async function launch(binary: string, settings: LaunchSettings, options: DevServerOptions): Promise<DevServer | { failure: string; output: string }> {
  const { ip, port, uiPort, dbFile, namespace } = settings;
  const args = [
    'server', 'start-dev',
    '--ip', ip,
    '--port', String(port),
    '--ui-port', String(uiPort),
    '--db-filename', dbFile,
    '--namespace', namespace,
    '--log-level', 'error',
    // WAL with synchronous=NORMAL: a killed server process loses no committed transaction (only an OS crash
    // could drop the last ones), and every write no longer waits for an fsync.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    // Lets a worker start the activities its own workflow task schedules at once, without a round trip.
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    ...AGENT_SEARCH_ATTRIBUTES.flatMap(({ name, cliType }) => ['--search-attribute', `${name}=${cliType}`]),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup ?? false });
  if (options.ownProcessGroup) {
    // Out of the terminal's process group it no longer dies with us on Ctrl-C: stop it on any exit of ours.
    const stopOnExit = () => child.kill('SIGTERM');
    process.once('exit', stopOnExit);
    child.once('exit', () => process.off('exit', stopOnExit));
  }
  const recentLines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      recentLines.push(line);
      if (recentLines.length > 40) recentLines.shift();
      options.onLog?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('error', () => resolveExit(null));
    child.once('exit', (code) => resolveExit(code));
  });

  const address = `${ip}:${port}`;
  try {
    await waitUntilReady(address, namespace, settings.readyTimeoutMs, exited);
  } catch (error) {
    await stopProcess(child, exited, 5_000);
    return { failure: (error as Error).message, output: recentLines.slice(-15).join('\n') };
  }
  return {
    address,
    uiUrl: `http://${ip}:${uiPort}`,
    namespace,
    dbFile,
    pid: child.pid ?? -1,
    exited,
    stop: (graceMs = 10_000) => stopProcess(child, exited, graceMs),
  };
}

/**
 * Records where the UI listens in the namespace's data (`UI_URL_NAMESPACE_KEY`), so every client of this server links
 * to it whatever its ports. A failure costs only the links: it is reported and the server goes on.
 */
async function recordUiUrl(address: string, namespace: string, uiUrl: string, onProgress: (line: string) => void): Promise<void> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2_000 });
    try {
      await connection.workflowService.updateNamespace({ namespace, updateInfo: { data: { [UI_URL_NAMESPACE_KEY]: uiUrl } } });
    } finally {
      await connection.close();
    }
  } catch (error) {
    onProgress(`Could not record the Web UI's address (${uiUrl}) in namespace "${namespace}": ${(error as Error).message}. Links printed by durable-agent may point elsewhere; set TEMPORAL_UI_URL=${uiUrl}.`);
  }
}

async function waitUntilReady(address: string, namespace: string, timeoutMs: number, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let processEnded = false;
  void exited.then(() => (processEnded = true));
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (processEnded) throw new Error(`the server process exited before it was ready (exit code ${String(await exited)})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = (error as Error).message;
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 250));
    }
  }
  throw new Error(`it did not answer at ${address} within ${timeoutMs} ms (last error: ${lastError})`);
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
