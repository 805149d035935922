import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { AGENT_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

type IndexedValueType = temporal.api.enums.v1.IndexedValueType;
/** `temporal.api.enums.v1.IndexedValueType` values (the proto package is not a direct dependency). */
const INDEXED_VALUE_TYPES: Record<'Keyword' | 'Int' | 'Double', IndexedValueType> = { Keyword: 2, Int: 3, Double: 4 };
const GRPC_ALREADY_EXISTS = 6;
/** Runs are kept three days after they close, like the dev server's default namespace. */
const RETENTION_MS = 3 * 24 * 60 * 60 * 1000;

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/**
 * Calls `attempt` with a fresh connection to `address` until it succeeds or `deadline` passes. Right after
 * start a node refuses calls (its ring, its namespace cache), so every step here is retried.
 */
async function retryAgainst<T>(
  address: string,
  deadline: number,
  what: string,
  attempt: (connection: Connection) => Promise<T>,
  isAlive: () => boolean = () => true,
): Promise<T> {
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`the server process exited (while ${what})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        return await attempt(connection);
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = (error as Error).message.replace(/\s+/g, ' ');
    }
    await sleep(500);
  }
  throw new Error(`${what} at ${address} did not succeed in time (last error: ${lastError})`);
}

/** Waits until the frontend at `address` answers at all. */
export async function waitForFrontend(address: string, deadline: number, isAlive: () => boolean): Promise<void> {
  await retryAgainst(address, deadline, 'waiting for GetSystemInfo', (connection) => connection.workflowService.getSystemInfo({}), isAlive);
}

/** Registers the namespace (unless it exists) and the agent's search attributes on it (those missing). */
export async function registerNamespace(address: string, namespace: string, deadline: number): Promise<void> {
  await retryAgainst(address, deadline, `registering namespace "${namespace}"`, async (connection) => {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION_MS) });
    } catch (error) {
      if (!(isGrpcServiceError(error) && Number(error.code) === GRPC_ALREADY_EXISTS)) throw error;
    }
  });
  // Right after the namespace is created the frontend's namespace cache may not have it yet: retried.
  await retryAgainst(address, deadline, `creating the search attributes on "${namespace}"`, async (connection) => {
    const missing = await missingSearchAttributes(connection, namespace);
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(({ name, cliType }) => [name, INDEXED_VALUE_TYPES[cliType]])),
    });
  });
}

/** Waits until the node at `address` sees the namespace and every search attribute (its own caches caught up). */
export async function waitForNamespace(address: string, namespace: string, deadline: number): Promise<void> {
  await retryAgainst(address, deadline, `reading namespace "${namespace}"`, async (connection) => {
    await connection.workflowService.describeNamespace({ namespace });
    const missing = await missingSearchAttributes(connection, namespace);
    if (missing.length > 0) throw new Error(`search attributes not visible yet: ${missing.map(({ name }) => name).join(', ')}`);
  });
}

async function missingSearchAttributes(connection: Connection, namespace: string) {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return AGENT_SEARCH_ATTRIBUTES.filter(({ name }) => !customAttributes?.[name]);
}

/** One frontend's health for `status`: answers GetSystemInfo within two seconds, with its server version. */
export async function probeFrontend(address: string): Promise<{ ok: true; serverVersion: string } | { ok: false; error: string }> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2_000 });
    try {
      const info = await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
      return { ok: true, serverVersion: info.serverVersion ?? 'unknown' };
    } finally {
      await connection.close();
    }
  } catch (error) {
    return { ok: false, error: (error as Error).message.replace(/\s+/g, ' ') };
  }
}
