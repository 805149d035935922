import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import type { ExternalStorage } from '@temporalio/common';
import { loadEncryptionKeys, type EncryptionKeys } from '../codec/encryption-keys';
import { loadExternalStorage } from '../outputs/external-payloads';
import { ConfigurationError, parseEnvironment, withoutBlankVariables } from './parse-environment';

export { ConfigurationError } from './parse-environment';

/** The embedded dev server's address when `TEMPORAL_ADDRESS` is not set. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_TASK_QUEUE = 'durable-agent';

const hostPort = z
  .string()
  .trim()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, for example 127.0.0.1:7233')
  // Five digits pass the pattern but 65536–99999 are no ports: say so here, not as "unreachable" later.
  .refine((value) => !/:\d+$/.test(value) || isPort(portOf(value)), 'expected a port between 1 and 65535 in HOST:PORT');

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65_535;
}

const positiveInteger = z.coerce.number().int().min(1);

/** Environment variables read by the worker and the client; TLS and API key variables go through `@temporalio/envconfig`. */
const EnvironmentSchema = z.object({
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default(DEFAULT_TASK_QUEUE),
  /** The worker's global cap on concurrently running activities (tool calls and model calls). */
  DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES: positiveInteger.default(100),
  DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInteger.default(40),
  /**
   * Activities a workflow task may start on this worker without a round trip to the server (eager dispatch). The
   * SDK's default, 3, is below a step's default `maxParallel` (4); at 16 a whole step of tool calls starts eagerly.
   */
  DURABLE_AGENT_EAGER_ACTIVITIES: z.coerce.number().int().min(0).max(1_000).default(16),
  /** gRPC port of the local server `run` uses or starts when TEMPORAL_ADDRESS is unset (its Web UI: this + 1000). */
  DURABLE_AGENT_LOCAL_PORT: z.coerce.number().int().min(1).max(64_535, 'expected a port up to 64535 (its Web UI takes the port + 1000)').default(7233),
  /** `HOST:PORT` where a worker serves Prometheus metrics (`/metrics`); unset: no metrics endpoint. */
  DURABLE_AGENT_METRICS_ADDRESS: hostPort.optional(),
});

/** Typed, validated configuration shared by `src/worker.ts` and `src/client.ts`. */
export interface TemporalConfig {
  /** `host:port` of the frontend. */
  address: string;
  /** True when the address came from `TEMPORAL_ADDRESS` (or a config profile) rather than the default. */
  addressConfigured: boolean;
  namespace: string;
  taskQueue: string;
  /** Connection options with TLS, API key and gRPC metadata from envconfig. */
  connectionOptions: NativeConnectionOptions;
  worker: {
    maxConcurrentActivities: number;
    maxConcurrentWorkflowTasks: number;
    maxEagerActivities: number;
    /** `HOST:PORT` of the worker's Prometheus endpoint (`DURABLE_AGENT_METRICS_ADDRESS`, docs/observability.md); absent: none. */
    metricsAddress?: string;
  };
  /** The payload encryption keys (`DURABLE_AGENT_ENCRYPTION_KEYS` or `_KEY_FILE`); absent: payloads are not encrypted. */
  encryption?: EncryptionKeys;
  /**
   * Payloads above the output threshold kept in the output store through Temporal's external storage
   * (`DURABLE_AGENT_EXTERNAL_PAYLOADS=true`, docs/outputs.md); absent: every payload is in history.
   */
  externalStorage?: ExternalStorage;
}


/**
 * Reads the environment once, validates it, and merges TLS / API key settings from `@temporalio/envconfig`
 * (`TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, `TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE`).
 */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const values = parseEnvironment(EnvironmentSchema, env, 'configuration');
  let profile;
  try {
    profile = loadClientConnectConfig({ overrideEnvVars: definedOnly(withoutBlankVariables(env)) });
  } catch (error) {
    throw new ConfigurationError(`Could not load the Temporal client configuration: ${(error as Error).message}`);
  }
  const encryption = loadEncryptionKeys(withoutBlankVariables(env));
  const externalStorage = loadExternalStorage(env);
  const localAddress = `127.0.0.1:${values.DURABLE_AGENT_LOCAL_PORT}`;
  const address = values.TEMPORAL_ADDRESS ?? profile.connectionOptions.address ?? localAddress;
  // A profile may leave the port out (the SDK adds 7233); a port it does give must be a port.
  if (!values.TEMPORAL_ADDRESS && /:\d+$/.test(address) && !isPort(portOf(address))) {
    throw new ConfigurationError(`The Temporal client configuration (TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE) gives the address \`${address}\`: expected HOST:PORT with a port between 1 and 65535.`);
  }
  return {
    address,
    addressConfigured: address !== localAddress || Boolean(values.TEMPORAL_ADDRESS),
    namespace: values.TEMPORAL_NAMESPACE ?? profile.namespace ?? DEFAULT_NAMESPACE,
    taskQueue: values.TEMPORAL_TASK_QUEUE,
    connectionOptions: { ...profile.connectionOptions, address },
    worker: {
      maxConcurrentActivities: values.DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTasks: values.DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxEagerActivities: values.DURABLE_AGENT_EAGER_ACTIVITIES,
      ...(values.DURABLE_AGENT_METRICS_ADDRESS ? { metricsAddress: values.DURABLE_AGENT_METRICS_ADDRESS } : {}),
    },
    ...(encryption ? { encryption } : {}),
    ...(externalStorage ? { externalStorage } : {}),
  };
}

/** `DURABLE_AGENT_METRICS_ADDRESS` alone (validated as `loadTemporalConfig` does): where a worker serves Prometheus metrics. */
export function loadMetricsAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return parseEnvironment(z.object({ DURABLE_AGENT_METRICS_ADDRESS: hostPort.optional() }), env, 'configuration').DURABLE_AGENT_METRICS_ADDRESS;
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
