import { createHash } from 'node:crypto';
import { ApplicationFailure, StorageDriverClaim, type Payload, type StorageDriver, type StorageDriverRetrieveContext, type StorageDriverStoreContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ERROR_TYPES } from '../contracts/error-types';
import type { OutputDriver } from './output-driver';
import { keyPart, namespacePrefix, runPrefix } from './output-keys';

const ProtoPayload = temporal.api.common.v1.Payload;

/** The claim's one field: the blob's key. */
const KEY_CLAIM = 'key';

/**
 * The output store's drivers as a driver of Temporal's external storage (`DataConverter.externalStorage`, experimental
 * in SDK 1.24): payloads above its threshold (a model answer, a run's final result) are written under the run's prefix,
 * `<namespace>/<workflowId>/payloads/<sha-256>`, so retention deletes them with the run's tool outputs. The SDK runs
 * external storage after the payload codec, so what is written is already encrypted when the process has keys.
 */
export class PayloadStorageDriver implements StorageDriver {
  readonly name = 'durable-agent-outputs';
  readonly type = 'durable-agent.outputs';

  constructor(private readonly driver: OutputDriver) {}

  async store(context: StorageDriverStoreContext, payloads: Payload[]): Promise<StorageDriverClaim[]> {
    const target = context.target;
    const prefix = target?.kind === 'workflow' && target.id ? runPrefix(target.namespace, target.id) : `${namespacePrefix(target?.namespace ?? 'default')}${keyPart('(no workflow)')}/`;
    return Promise.all(
      payloads.map(async (payload) => {
        const bytes = ProtoPayload.encode(payload).finish();
        const key = `${prefix}payloads/${createHash('sha256').update(bytes).digest('hex')}`;
        await this.driver.put(key, bytes);
        return new StorageDriverClaim({ [KEY_CLAIM]: key });
      }),
    );
  }

  async retrieve(_context: StorageDriverRetrieveContext, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return Promise.all(
      claims.map(async (claim) => {
        const key = claim.claimData[KEY_CLAIM] ?? '';
        const bytes = await this.driver.get(key);
        if (!bytes) {
          throw ApplicationFailure.create({
            type: ERROR_TYPES.outputExpired,
            message: `a payload stored outside history (${key}) is gone from ${this.driver.description}: retention deleted it (durable-agent outputs prune), or this process's store is not the one that kept it`,
            nonRetryable: true,
          });
        }
        return ProtoPayload.decode(bytes);
      }),
    );
  }
}
