import { AgentClient } from '../client';
import { loadTemporalConfig, type TemporalConfig } from '../config/temporal-config';
import { runUrl } from '../runtime/ui-links';

/** What a command gets while it talks to the server: the client, the configuration, a run's UI link. */
export interface AgentConnection {
  agent: AgentClient;
  config: TemporalConfig;
  /** The run's URL in the Temporal UI, when the UI address is known. */
  link: (workflowId: string) => string | undefined;
}

/** Connects to the server of the environment (`TEMPORAL_*`), runs `body`, and closes the connection whatever happens. */
export async function withAgentConnection<T>(body: (connection: AgentConnection) => Promise<T>): Promise<T> {
  const config = loadTemporalConfig();
  const agent = await AgentClient.connect(config);
  try {
    const uiUrl = await agent.uiUrl();
    return await body({ agent, config, link: (workflowId) => runUrl(uiUrl, config.namespace, workflowId) });
  } finally {
    await agent.close();
  }
}
