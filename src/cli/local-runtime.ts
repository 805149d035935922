import { probeTcp } from '../config/connect';
import { loadTemporalConfig, type TemporalConfig } from '../config/temporal-config';
import { DEFAULT_DEV_SERVER_OPTIONS, startDevServer, type DevServer } from '../temporal-server/dev-server';

export { isPrivateTaskQueue, PRIVATE_TASK_QUEUE_PREFIX } from '../client/worker-advice';

/** A Temporal server to talk to: one that was configured or already running, or the embedded one we started. */
export interface TemporalTarget {
  config: TemporalConfig;
  /** Web UI base URL, when known. */
  uiUrl?: string;
  /** True when this process started the embedded dev server (it stops with the process). */
  embedded: boolean;
  stop(): Promise<void>;
}

/** The Web UI of a server at `address`: `TEMPORAL_UI_URL`, or the dev server's convention (gRPC port + 1000) on loopback. */
export function uiUrlFor(address: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_UI_URL) return env.TEMPORAL_UI_URL.replace(/\/$/, '');
  const match = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(address);
  return match ? `http://${match[1]}:${Number(match[2]) + 1000}` : undefined;
}

/** Link to one run in the Web UI. */
export function runUrl(uiUrl: string | undefined, namespace: string, workflowId: string): string | undefined {
  return uiUrl ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;
}

/**
 * README, "Where the Temporal server comes from": `TEMPORAL_ADDRESS` set → that cluster; something listening on localhost:7233 (or
 * `DURABLE_AGENT_LOCAL_PORT`) → that server; otherwise start the embedded dev server there (SQLite under
 * .temporal/, Web UI on the port + 1000) for this command.
 */
export async function resolveTemporalTarget(onProgress: (line: string) => void): Promise<TemporalTarget> {
  const config = loadTemporalConfig();
  const none = async () => undefined;
  if (config.addressConfigured) return { config, uiUrl: uiUrlFor(config.address), embedded: false, stop: none };
  const running = await probeTcp(config.address, 1_000).then(
    () => true,
    () => false,
  );
  if (running) return { config, uiUrl: uiUrlFor(config.address), embedded: false, stop: none };
  onProgress(`No Temporal server at ${config.address}: starting the embedded dev server (data in ${DEFAULT_DEV_SERVER_OPTIONS.dbFile})…`);
  const port = Number(config.address.slice(config.address.lastIndexOf(':') + 1));
  // Its own process group: a Ctrl-C must leave the server up until `run` has cancelled its run through it.
  const server: DevServer = await startDevServer({ onProgress, ownProcessGroup: true, port, uiPort: port + 1_000 });
  return {
    config: { ...config, address: server.address, connectionOptions: { ...config.connectionOptions, address: server.address } },
    uiUrl: server.uiUrl,
    embedded: true,
    stop: () => server.stop(),
  };
}
