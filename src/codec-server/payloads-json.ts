import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';

/** A request the codec server refuses, with its HTTP status and a message for whoever sent it. */
export class CodecRequestError extends Error {
  override name = 'CodecRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Protobuf JSON writes bytes as base64, standard or URL-safe, padded or not. */
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64');

/** One `Payload` in protobuf JSON; fields other than these two (`externalPayloads`) are kept for protobuf to read. */
const PayloadJson = z.looseObject({
  metadata: z.record(z.string(), base64).nullish(),
  data: base64.nullish(),
});

const PROTOBUF = temporal.api.common.v1.Payload;
const ISSUES_SHOWN = 3;

/**
 * The payloads of a codec request body, `{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`
 * (Temporal's `Payloads` as protobuf JSON). Throws a {@link CodecRequestError} (400) naming the first problems.
 */
export function payloadsFromJson(body: unknown, maxPayloads: number): Payload[] {
  const parsed = z.object({ payloads: z.array(PayloadJson) }).safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, ISSUES_SHOWN).map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`);
    const more = parsed.error.issues.length > ISSUES_SHOWN ? `; and ${parsed.error.issues.length - ISSUES_SHOWN} more` : '';
    throw new CodecRequestError(400, `Expected {"payloads": [{"metadata": {…}, "data": "<base64>"}, …]} (Temporal's Payloads as protobuf JSON): ${issues.join('; ')}${more}.`);
  }
  const { payloads } = parsed.data;
  if (payloads.length > maxPayloads) throw new CodecRequestError(413, `Too many payloads: ${payloads.length}, at most ${maxPayloads} per request.`);
  return payloads.map((payload, index) => {
    const { metadata, data, ...rest } = payload;
    try {
      return PROTOBUF.fromObject({
        ...rest,
        metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
        ...(data ? { data: Buffer.from(data, 'base64') } : {}),
      });
    } catch (error) {
      throw new CodecRequestError(400, `payloads.${index}: not a Temporal Payload (${(error as Error).message}).`);
    }
  });
}

/** Payloads as the protocol answers them: protobuf JSON, bytes in standard base64, 64-bit integers as strings. */
export function payloadsToJson(payloads: readonly Payload[]): { payloads: Array<Record<string, unknown>> } {
  return { payloads: payloads.map((payload) => PROTOBUF.toObject(PROTOBUF.fromObject(payload), { bytes: String, longs: String })) };
}
