import { loadEncryptionKeys } from '../codec/encryption-keys';
import { startCodecServer, type CodecServer } from '../codec-server/codec-server';
import { AUTO_PORT_ATTEMPTS, DEFAULT_DEV_SERVER_OPTIONS, DevServerStartError, freePort, startDevServer, type DevServer, type DevServerOptions } from '../temporal-server/dev-server';

/** The embedded dev server and, with encryption on, the codec server its Web UI decodes payloads through. */
export interface EmbeddedServer {
  server: DevServer;
  codec: CodecServer | undefined;
  /** Stops both. */
  stop(): Promise<void>;
}

/**
 * Starts the dev server (`durable-agent server`, and `run` when no server listens). With encryption keys in the
 * environment it first starts a codec server on a free loopback port, allowed for the UI's origin only, and gives the
 * UI its endpoint: a person at the UI reads plain text while the database holds ciphertext (docs/codec-server.md).
 */
export async function startEmbeddedServer(options: DevServerOptions): Promise<EmbeddedServer> {
  const keys = loadEncryptionKeys(options.env ?? process.env);
  const withCodec = (server: DevServer, codec: CodecServer | undefined): EmbeddedServer => ({
    server,
    codec,
    stop: async () => {
      await Promise.all([server.stop(), codec?.close()]);
    },
  });
  if (!keys) return withCodec(await startDevServer(options), undefined);
  const ip = options.ip ?? DEFAULT_DEV_SERVER_OPTIONS.ip;
  // The codec server must know the UI's origin before the UI knows the codec server: fix the UI's port first.
  const requested = options.uiPort ?? DEFAULT_DEV_SERVER_OPTIONS.uiPort;
  for (let attempt = 1; ; attempt += 1) {
    const uiPort = requested === 0 ? await (options.pickPort ?? freePort)(ip) : requested;
    const codec = await startCodecServer({ keys, host: ip, port: 0, uiOrigins: [`http://${ip}:${uiPort}`, `http://localhost:${uiPort}`] });
    try {
      return withCodec(await startDevServer({ ...options, uiPort, uiCodecEndpoint: codec.endpoint }), codec);
    } catch (error) {
      await codec.close();
      // A UI port picked here and taken before the server bound it: pick another, as startDevServer does for its own.
      const taken = error instanceof DevServerStartError && error.portsTaken.includes(uiPort);
      if (!(requested === 0 && taken && attempt < AUTO_PORT_ATTEMPTS)) throw error;
    }
  }
}
