import { probeTcp } from '../config/connect';
import { loadTemporalConfig, type TemporalConfig } from '../config/temporal-config';
import { DEFAULT_DEV_SERVER_OPTIONS } from '../temporal-server/dev-server';
import { startEmbeddedServer } from './embedded-server';
import { uiUrlFor } from './ui-links';

/** A Temporal server to talk to: one that was configured or already running, or the embedded one we started. */
export interface TemporalTarget {
  config: TemporalConfig;
  /** Web UI base URL, when known. */
  uiUrl?: string;
  /** True when this process started the embedded dev server (it stops with the process). */
  embedded: boolean;
  /** Stops the embedded server; does nothing for a server this process did not start. */
  stop(): Promise<void>;
}

/**
 * docs/configuration.md, "Where the Temporal server comes from": `TEMPORAL_ADDRESS` set → that cluster; something listening on localhost:7233 (or
 * `DURABLE_AGENT_LOCAL_PORT`) → that server; otherwise start the embedded dev server there (SQLite under
 * .temporal/, Web UI on the port + 1000) until `stop()`.
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
  // Its own process group: a Ctrl-C must leave the server up until its owner has wound down (cancelled a run) through it.
  // With encryption on, its UI decodes through a codec server of this process (src/runtime/embedded-server.ts).
  const embedded = await startEmbeddedServer({ onProgress, ownProcessGroup: true, port, uiPort: port + 1_000 });
  const { server } = embedded;
  return {
    config: { ...config, address: server.address, connectionOptions: { ...config.connectionOptions, address: server.address } },
    uiUrl: server.uiUrl,
    embedded: true,
    stop: () => embedded.stop(),
  };
}
