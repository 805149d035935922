import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../config/parse-environment';
import { cacheDirectory, findOnPath, isExecutable, withBuildLock } from '../temporal-server/temporal-binary';

/**
 * The Jaeger release built from source with Go: v1.75.0's `cmd/jaeger` is Jaeger v2, the all-in-one binary built on
 * the OpenTelemetry Collector (an OTLP receiver, storage, the query API and the UI in one process).
 */
export const JAEGER_VERSION = '1.75.0';
const JAEGER_MODULE = 'github.com/jaegertracing/jaeger';
const JAEGER_PACKAGE = `${JAEGER_MODULE}/cmd/jaeger`;
/**
 * The `replace` lines of Jaeger v1.75.0's own go.mod. `go install pkg@version` refuses a module that has any, so the
 * binary is built from a throwaway module that requires Jaeger and repeats them (the versions Jaeger itself builds with).
 */
const JAEGER_REPLACES = ['github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0'];
const MINIMUM_GO_MINOR = 24;
const PROGRESS_INTERVAL_MS = 15_000;
const LABEL = `Jaeger ${JAEGER_VERSION}`;

/** Raised when no Jaeger binary can be found or built; the message says why and what to do. */
export class JaegerUnavailableError extends ConfigurationError {
  override name = 'JaegerUnavailableError';
}

export interface ResolveJaegerOptions {
  /** Environment to read `JAEGER_PATH`, `PATH` and the cache location from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Receives progress lines (the first build takes many minutes). @default writes to stderr */
  onProgress?: (line: string) => void;
  /** Build with Go when no binary is found. @default true */
  allowBuild?: boolean;
}

/** `<cache>/jaeger-1.75.0/`: one folder per version, shared by every clone on the machine. */
export function jaegerFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDirectory(env), `jaeger-${JAEGER_VERSION}`);
}

export function cachedJaegerPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(jaegerFolder(env), 'jaeger');
}

/** Where the output of the last build goes (kept after a failure, to read). */
export function jaegerBuildLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return `${jaegerFolder(env)}.build.log`;
}

/** Finds Jaeger's all-in-one binary: `$JAEGER_PATH`, then the cache folder, then builds it there (once per machine). */
export async function resolveJaegerBinary(options: ResolveJaegerOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const explicit = env.JAEGER_PATH;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new JaegerUnavailableError(
      `JAEGER_PATH is set to "${explicit}", but no executable file is there. Point it at a Jaeger v2 all-in-one binary ` +
        `(\`jaeger\` of ${JAEGER_MODULE} ≥ v1.60), or unset it to let durable-agent build ${LABEL} into ${jaegerFolder(env)}.`,
    );
  }
  const cached = cachedJaegerPath(env);
  if (isExecutable(cached)) return cached;
  if (options.allowBuild === false) throw unavailable(env, 'building was not allowed');
  const go = findOnPath('go', env);
  if (!go) throw unavailable(env, 'Go is not installed');
  const goProblem = await checkGoVersion(go, env);
  if (goProblem) throw unavailable(env, goProblem);
  await withBuildLock(cached, onProgress, () => buildJaeger(go, env, onProgress), LABEL);
  if (!isExecutable(cached)) throw unavailable(env, `another command's build ended without a binary; its output is in ${jaegerBuildLogPath(env)}`);
  return cached;
}

function unavailable(env: NodeJS.ProcessEnv, reason: string): JaegerUnavailableError {
  return new JaegerUnavailableError(
    `No Jaeger binary is available (${reason}). Provide one in either of these ways:\n` +
      `  - install Go >= 1.${MINIMUM_GO_MINOR} with access to the Go module proxy, and durable-agent builds ` +
      `${JAEGER_PACKAGE}@v${JAEGER_VERSION} once into ${cachedJaegerPath(env)} (10-20 minutes on 2 cores);\n` +
      '  - set JAEGER_PATH to a Jaeger v2 all-in-one binary (for example one from a Jaeger release archive).',
  );
}

async function checkGoVersion(go: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { code, output } = await runGo(go, ['env', 'GOVERSION'], env, process.cwd());
  const version = output.trim();
  const match = /^go1\.(\d+)/.exec(version);
  if (code !== 0 || !match?.[1]) return `could not read the Go version (\`go env GOVERSION\` printed "${version}")`;
  if (Number(match[1]) < MINIMUM_GO_MINOR) return `Go ${version} is too old: Jaeger ${JAEGER_VERSION} needs Go >= 1.${MINIMUM_GO_MINOR}`;
  return undefined;
}

/** Runs a Go command and collects its output. */
function runGo(go: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(go, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', (error) => resolveRun({ code: null, output: error.message }));
    child.once('close', (code) => resolveRun({ code, output }));
  });
}

/**
 * Builds in `<folder>.build-<pid>`: a throwaway module that requires Jaeger (`go get -tool`), then `go build` of its
 * all-in-one package; the binary is renamed into place last, so a half-made build is never found.
 */
async function buildJaeger(go: string, env: NodeJS.ProcessEnv, onProgress: (line: string) => void): Promise<void> {
  const finalFolder = jaegerFolder(env);
  const workFolder = `${finalFolder}.build-${process.pid}`;
  const logPath = jaegerBuildLogPath(env);
  rmSync(workFolder, { recursive: true, force: true });
  mkdirSync(workFolder, { recursive: true });
  const buildEnv: NodeJS.ProcessEnv = { ...env, GOWORK: 'off', GOFLAGS: `${env.GOFLAGS ?? ''} -mod=mod`.trim() };
  const started = Date.now();
  onProgress(
    `Building ${LABEL} (the all-in-one tracing backend) with Go into ${finalFolder} ` +
      `(first time on this machine only; 10-20 minutes on 2 cores; log: ${logPath})…`,
  );
  const steps: Array<{ what: string; args: string[] }> = [
    { what: 'go mod init', args: ['mod', 'init', 'durable-agent.local/jaeger-build'] },
    ...JAEGER_REPLACES.map((replace) => ({ what: `go mod edit -replace ${replace}`, args: ['mod', 'edit', '-replace', replace] })),
    { what: `go get -tool ${JAEGER_PACKAGE}@v${JAEGER_VERSION}`, args: ['get', '-tool', `${JAEGER_PACKAGE}@v${JAEGER_VERSION}`] },
    // The version Jaeger reports (`jaeger version`, its start line, the UI), which its release builds set the same way.
    { what: `go build ${JAEGER_PACKAGE}`, args: ['build', '-v', '-ldflags', `-X ${JAEGER_MODULE}/internal/version.latestVersion=v${JAEGER_VERSION}`, '-o', join(workFolder, 'jaeger'), JAEGER_PACKAGE] },
  ];
  const ticker = setInterval(() => {
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
    const compiled = log.split('\n').filter((line) => line && !line.startsWith('go: ') && !line.startsWith('$ ')).length;
    onProgress(`  still building ${LABEL}: ${Math.round((Date.now() - started) / 1000)}s, ${compiled} packages compiled so far`);
  }, PROGRESS_INTERVAL_MS);
  // A command stopped while it builds stops its build (and lets the next command take the lock).
  let current: ReturnType<typeof spawn> | undefined;
  const stopBuild = (signal: NodeJS.Signals) => {
    current?.kill('SIGKILL');
    rmSync(workFolder, { recursive: true, force: true });
    rmSync(`${finalFolder}.lock`, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stopBuild);
  process.once('SIGTERM', stopBuild);
  try {
    closeSync(openSync(logPath, 'w'));
    for (const step of steps) {
      const log = openSync(logPath, 'a');
      let code: number | null;
      try {
        const child = spawn(go, step.args, { env: buildEnv, cwd: workFolder, stdio: ['ignore', log, log] });
        current = child;
        code = await new Promise<number | null>((resolveExit) => {
          child.once('error', () => resolveExit(null));
          child.once('close', (exitCode) => resolveExit(exitCode));
        });
      } finally {
        closeSync(log);
      }
      if (code !== 0) {
        const tail = readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-10).join('\n');
        const refused = /reading .*: 4\d\d|refused|not found|410 Gone|dial tcp/i.exec(tail);
        throw new JaegerUnavailableError(
          `Building ${LABEL} failed at \`${step.what}\` (exit code ${String(code)})` +
            (refused ? '; the Go module proxy may be unreachable (GOPROXY)' : '') +
            `. Its full output is in ${logPath}; the last lines:\n${tail}\n` +
            'Set JAEGER_PATH to a Jaeger v2 all-in-one binary instead, or fix the cause and run the command again.',
        );
      }
    }
    mkdirSync(finalFolder, { recursive: true });
    renameSync(join(workFolder, 'jaeger'), cachedJaegerPath(env));
    onProgress(`Built ${LABEL} in ${Math.round((Date.now() - started) / 1000)}s: ${cachedJaegerPath(env)}`);
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', stopBuild);
    process.off('SIGTERM', stopBuild);
    rmSync(workFolder, { recursive: true, force: true });
  }
}
