import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { buildWithGo } from '../src/cluster/cluster-binaries';
import { freePort } from '../src/temporal-server/dev-server';
import { cacheDirectory, isExecutable, withBuildLock } from '../src/temporal-server/temporal-binary';

/** Toxiproxy, built once into the cache folder with Go like the Temporal CLI: network faults on loopback. */
export const TOXIPROXY_VERSION = 'v2.5.0';
const PACKAGE = `github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}`;

export function toxiproxyPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDirectory(env), `toxiproxy-${TOXIPROXY_VERSION}`, 'toxiproxy-server');
}

/** The toxiproxy server binary: from the cache folder, or built there (once per machine, a minute or two). */
export async function resolveToxiproxy(onProgress: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const binary = toxiproxyPath(env);
  if (isExecutable(binary)) return binary;
  const label = `toxiproxy ${TOXIPROXY_VERSION}`;
  await withBuildLock(
    binary,
    onProgress,
    async () => buildWithGo(env, onProgress, { label, folder: join(binary, '..'), packages: [{ spec: PACKAGE, built: 'server', target: 'toxiproxy-server' }] }),
    label,
  );
  return binary;
}

/** A kind of network fault and its attributes, as toxiproxy names them. */
export interface Toxic {
  type: 'latency' | 'reset_peer' | 'timeout' | 'bandwidth';
  attributes: Record<string, number>;
}

/** A running toxiproxy server on loopback with named proxies; faults are toxics added and removed through its API. */
export class Toxiproxy {
  private constructor(
    private readonly child: ChildProcess,
    private readonly api: string,
  ) {}

  static async start(binary: string): Promise<Toxiproxy> {
    const port = await freePort();
    const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
    const proxy = new Toxiproxy(child, `http://127.0.0.1:${port}`);
    for (let tries = 0; ; tries += 1) {
      const ready = await fetch(`${proxy.api}/version`).then((response) => response.ok, () => false);
      if (ready) return proxy;
      if (tries > 100 || child.exitCode !== null) throw new Error(`toxiproxy did not start on 127.0.0.1:${port}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A proxy from a free loopback port to `upstream` (`host:port`); returns its listen address. */
  async proxy(name: string, upstream: string): Promise<string> {
    const listen = `127.0.0.1:${await freePort()}`;
    await this.call('POST', '/proxies', { name, listen, upstream, enabled: true });
    return listen;
  }

  /** Adds a toxic to both directions of a proxy for `ms`, then removes what was added (whatever failed on the way). */
  async inject(proxy: string, toxic: Toxic, ms: number): Promise<void> {
    this.injected += 1;
    const added: string[] = [];
    try {
      for (const stream of ['upstream', 'downstream']) {
        const name = `${toxic.type}_${stream}_${this.injected}`;
        await this.call('POST', `/proxies/${proxy}/toxics`, { name, type: toxic.type, stream, toxicity: 1, attributes: toxic.attributes });
        added.push(name);
      }
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      for (const name of added) await this.removeToxic(proxy, name);
    }
  }

  /** Removes a toxic, trying again while toxiproxy's API is slow to answer (a toxic left behind would never end). */
  private async removeToxic(proxy: string, name: string): Promise<void> {
    for (let tries = 1; tries <= 10; tries += 1) {
      const done = await this.call('DELETE', `/proxies/${proxy}/toxics/${name}`).then(() => true, () => false);
      if (done) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private injected = 0;

  private async call(method: string, path: string, body?: unknown): Promise<void> {
    const response = await fetch(`${this.api}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    if (!response.ok) throw new Error(`toxiproxy ${method} ${path}: ${response.status} ${await response.text()}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await gone;
  }
}
