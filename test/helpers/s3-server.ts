import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { probeTcp } from '../../src/config/connect';
import { cacheDirectory, findOnPath, isExecutable } from '../../src/temporal-server/temporal-binary';

/**
 * The S3-compatible server the S3 driver is tested against: gofakes3 (MIT), built once with `go install` into the
 * cache folder beside the Temporal CLI (about 6 s on 2 cores; docs/outputs.md, "S3", says why this one).
 */
export const GOFAKES3_MODULE = 'github.com/johannesboyne/gofakes3/cmd/gofakes3';
export const GOFAKES3_VERSION = 'v1.2.0';

/** The gofakes3 binary, built into the cache folder on first use. */
export function gofakes3Binary(env: NodeJS.ProcessEnv = process.env): string {
  const folder = join(cacheDirectory(env), `gofakes3-${GOFAKES3_VERSION}`);
  const binary = join(folder, 'gofakes3');
  if (isExecutable(binary)) return binary;
  const go = findOnPath('go', env);
  if (!go) throw new Error(`Go is needed to build gofakes3 (${GOFAKES3_MODULE}@${GOFAKES3_VERSION}), the S3 server of this test; install Go ≥ 1.25 or set DURABLE_AGENT_TEST_S3_ENDPOINT`);
  mkdirSync(folder, { recursive: true });
  // Built beside the target and renamed: two builds at once each finish whole, and the last rename wins.
  const staging = mkdtempSync(join(folder, '.build-'));
  try {
    const built = spawnSync(go, ['install', `${GOFAKES3_MODULE}@${GOFAKES3_VERSION}`], { env: { ...env, GOBIN: staging, GOFLAGS: '-mod=mod' }, encoding: 'utf8', timeout: 300_000 });
    if (built.status !== 0) throw new Error(`go install ${GOFAKES3_MODULE}@${GOFAKES3_VERSION} failed: ${built.stderr || built.error?.message}`);
    renameSync(join(staging, 'gofakes3'), binary);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface S3TestServer {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * An S3-compatible server on loopback for the length of a test file: `DURABLE_AGENT_TEST_S3_ENDPOINT` when set (any
 * server: SeaweedFS, MinIO, a cloud bucket's endpoint), otherwise gofakes3 in memory, stopped by `stop()`.
 */
export async function startS3Server(): Promise<S3TestServer> {
  const given = process.env.DURABLE_AGENT_TEST_S3_ENDPOINT;
  if (given) return { endpoint: given, stop: async () => undefined };
  const binary = gofakes3Binary();
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['-host', `127.0.0.1:${port}`, '-backend', 'memory', '-quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gofakes3 exited with ${child.exitCode}: ${stderr}`);
    if (await probeTcp(`127.0.0.1:${port}`, 300).then(() => true, () => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gofakes3 did not listen on 127.0.0.1:${port} within 10 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
