import type { Client } from '@temporalio/client';

/**
 * The namespace data key under which durable-agent's dev server records where its Web UI listens, so every client
 * of that server (the CLI, the library, the MCP server) links to the UI that really serves it, whatever its ports.
 */
export const UI_URL_NAMESPACE_KEY = 'durable-agent.ui-url';

/** The dev server's convention when nothing better is known: the UI on the gRPC port + 1000, on loopback only. */
export function conventionalUiUrl(address: string): string | undefined {
  const match = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(address);
  return match ? `http://${match[1]}:${Number(match[2]) + 1000}` : undefined;
}

/**
 * Where the Web UI of the server behind `client` is: `TEMPORAL_UI_URL` when set, else what the server recorded in the
 * namespace (durable-agent's dev server records it), else the loopback convention, else unknown.
 */
export async function resolveUiUrl(client: Client, namespace: string, address: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.TEMPORAL_UI_URL) return env.TEMPORAL_UI_URL.replace(/\/$/, '');
  try {
    const described = await client.connection.withDeadline(Date.now() + 3_000, () => client.workflowService.describeNamespace({ namespace }));
    const recorded = described.namespaceInfo?.data?.[UI_URL_NAMESPACE_KEY];
    if (recorded) return recorded.replace(/\/$/, '');
  } catch {
    // Not allowed to describe it, or no answer in time: fall back to the convention.
  }
  return conventionalUiUrl(address);
}
