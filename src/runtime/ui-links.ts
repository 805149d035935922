import { conventionalUiUrl } from '../client/ui-url';

/**
 * The Web UI of a server at `address` without asking it: `TEMPORAL_UI_URL`, or the dev server's convention (gRPC port
 * + 1000) on loopback. With a client, `AgentClient.uiUrl()` also reads what the server recorded.
 */
export function uiUrlFor(address: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_UI_URL) return env.TEMPORAL_UI_URL.replace(/\/$/, '');
  return conventionalUiUrl(address);
}

/** Link to one run in the Web UI, when the UI's address is known. */
export function runUrl(uiUrl: string | undefined, namespace: string, workflowId: string): string | undefined {
  return uiUrl ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;
}
