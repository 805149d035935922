/** The Web UI of a server at `address`: `TEMPORAL_UI_URL`, or the dev server's convention (gRPC port + 1000) on loopback. */
export function uiUrlFor(address: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_UI_URL) return env.TEMPORAL_UI_URL.replace(/\/$/, '');
  const match = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(address);
  return match ? `http://${match[1]}:${Number(match[2]) + 1000}` : undefined;
}

/** Link to one run in the Web UI, when the UI's address is known. */
export function runUrl(uiUrl: string | undefined, namespace: string, workflowId: string): string | undefined {
  return uiUrl ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;
}
