import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

/** The values of a history event's payloads (activity input or result), decoded as the worker would. */
export function payloadValues<T>(payloads: temporal.api.common.v1.IPayloads | null | undefined): T[] {
  return (payloads?.payloads ?? []).map((payload) => defaultPayloadConverter.fromPayload<T>(payload));
}
