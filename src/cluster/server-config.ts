import type { NodePorts } from './cluster-layout';
import { POSTGRES_USER } from './postgres';

/** History shards of the cluster; fixed at creation for the life of the database, as in a real deployment. */
export const HISTORY_SHARDS = 4;

function datastore(database: string, postgresPort: number, maxConnections: number): string {
  return [
    `      sql:`,
    `        pluginName: "postgres12"`,
    `        databaseName: "${database}"`,
    `        connectAddr: "127.0.0.1:${postgresPort}"`,
    `        connectProtocol: "tcp"`,
    `        user: "${POSTGRES_USER}"`,
    `        password: ""`,
    `        maxConns: ${maxConnections}`,
    `        maxIdleConns: ${maxConnections}`,
    `        maxConnLifetime: "1h"`,
  ].join('\n');
}

function service(grpcPort: number, membershipPort: number, httpPort?: number): string {
  return [
    `    rpc:`,
    `      grpcPort: ${grpcPort}`,
    `      membershipPort: ${membershipPort}`,
    `      bindOnLocalHost: true`,
    ...(httpPort === undefined ? [] : [`      httpPort: ${httpPort}`]),
  ].join('\n');
}

/**
 * The `temporal-server` config of one node. Every node runs all four services on its own ports and shares
 * one database: the nodes find each other through the membership table there and split the history shards.
 * The dynamic-config path must be absolute: the server resolves a relative one against its working
 * directory, not `--root`.
 */
export function renderServerConfig(options: {
  node: NodePorts;
  firstFrontendPort: number;
  postgresPort: number;
  dynamicConfigPath: string;
}): string {
  const { node } = options;
  return `# Written by \`durable-agent cluster up\`; rewritten on every up.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${HISTORY_SHARDS}
  datastores:
    postgres-default:
${datastore('temporal', options.postgresPort, 10)}
    postgres-visibility:
${datastore('temporal_visibility', options.postgresPort, 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:
${service(node.frontend, node.frontendMembership, node.frontendHttp)}
  history:
${service(node.history, node.historyMembership)}
  matching:
${service(node.matching, node.matchingMembership)}
  worker:
${service(node.worker, node.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${options.firstFrontendPort}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "${options.dynamicConfigPath}"
  pollInterval: "10s"
`;
}

/**
 * Dynamic config shared by every node: the same values the dev server path uses (eager activities; search
 * attributes visible on creation, with the persistence rate limits raised to match, as the Temporal CLI does).
 */
export function renderDynamicConfig(): string {
  return `# Written by \`durable-agent cluster up\`.
system.enableActivityEagerExecution:
  - value: true
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
frontend.persistenceMaxQPS:
  - value: 10000
history.persistenceMaxQPS:
  - value: 45000
`;
}

/** The Web UI server's config: it talks to one frontend (a real deployment puts a load balancer there). */
export function renderUiConfig(options: { port: number; frontendPort: number; namespace: string }): string {
  return `# Written by \`durable-agent cluster up\`.
temporalGrpcAddress: "127.0.0.1:${options.frontendPort}"
host: "127.0.0.1"
port: ${options.port}
enableUi: true
defaultNamespace: "${options.namespace}"
notifyOnNewVersion: false
hideLogs: true
cors:
  cookieInsecure: true
  allowOrigins:
    - "http://127.0.0.1:${options.port}"
`;
}
