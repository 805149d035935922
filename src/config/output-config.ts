import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigurationError, parseEnvironment } from './parse-environment';

/** Where stored outputs go when nothing says otherwise: a folder under the worker's directory. */
export const DEFAULT_OUTPUT_FOLDER = '.durable-agent/outputs';

const positiveInteger = z.coerce.number().int();

const flag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ['true', 'false', '1', '0'].includes(value), 'expected true or false')
  .transform((value) => value === 'true' || value === '1');

const OutputEnvironmentSchema = z.object({
  /** `fs` (a folder, the default), `s3` (a bucket), or `none` (large outputs are cut, as before stores existed). */
  DURABLE_AGENT_OUTPUT_STORE: z.enum(['fs', 's3', 'none'], { message: 'expected fs, s3 or none' }).default('fs'),
  DURABLE_AGENT_OUTPUT_DIR: z.string().trim().min(1).optional(),
  DURABLE_AGENT_OUTPUT_THRESHOLD_BYTES: positiveInteger.min(1_024, 'expected an integer of at least 1024').max(1_048_576, 'expected an integer of at most 1048576').default(131_072),
  DURABLE_AGENT_OUTPUT_S3_BUCKET: z.string().trim().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3–63 lower-case letters, digits, dots, hyphens)').optional(),
  DURABLE_AGENT_OUTPUT_S3_PREFIX: z.string().trim().regex(/^[^\s]*$/, 'expected a key prefix without spaces').optional(),
  DURABLE_AGENT_OUTPUT_S3_PATH_STYLE: flag.optional(),
  /** Every payload above the threshold (model answers, results, inputs) goes to the store through Temporal's external storage. */
  DURABLE_AGENT_EXTERNAL_PAYLOADS: flag.default(false),
  AWS_REGION: z.string().trim().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().trim().min(1).optional(),
  AWS_ENDPOINT_URL_S3: z.url({ message: 'expected a URL such as http://127.0.0.1:8333' }).optional(),
  AWS_ENDPOINT_URL: z.url({ message: 'expected a URL such as http://127.0.0.1:8333' }).optional(),
});

/** Where large tool outputs are stored (docs/outputs.md), from `DURABLE_AGENT_OUTPUT_*` and the standard `AWS_*` variables. */
export type OutputStoreConfig = {
  thresholdBytes: number;
  /** Payloads above the threshold go to the store through Temporal's external storage (`DURABLE_AGENT_EXTERNAL_PAYLOADS`). */
  externalPayloads: boolean;
} & (
  | { kind: 'none' }
  | { kind: 'fs'; folder: string }
  | { kind: 's3'; bucket: string; prefix: string; region: string; endpoint?: string; forcePathStyle: boolean }
);

/**
 * Reads the output store's configuration and checks it before anything starts. S3 credentials are not read here: the
 * AWS SDK finds them itself (`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, an instance role).
 * @throws ConfigurationError naming the variable, what was expected and what came.
 */
export function loadOutputStoreConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): OutputStoreConfig {
  const values = parseEnvironment(OutputEnvironmentSchema, env, 'output store configuration');
  const thresholdBytes = values.DURABLE_AGENT_OUTPUT_THRESHOLD_BYTES;
  const externalPayloads = values.DURABLE_AGENT_EXTERNAL_PAYLOADS;
  switch (values.DURABLE_AGENT_OUTPUT_STORE) {
    case 'none':
      if (externalPayloads) {
        throw new ConfigurationError(
          'Invalid output store configuration in the environment:\n  DURABLE_AGENT_EXTERNAL_PAYLOADS: payloads can only go to a store, and DURABLE_AGENT_OUTPUT_STORE is none. Choose fs or s3, or turn external payloads off.',
        );
      }
      return { kind: 'none', thresholdBytes, externalPayloads };
    case 'fs':
      return { kind: 'fs', folder: resolve(cwd, values.DURABLE_AGENT_OUTPUT_DIR ?? DEFAULT_OUTPUT_FOLDER), thresholdBytes, externalPayloads };
    case 's3': {
      const bucket = values.DURABLE_AGENT_OUTPUT_S3_BUCKET;
      if (!bucket) {
        throw new ConfigurationError(
          'Invalid output store configuration in the environment:\n  DURABLE_AGENT_OUTPUT_S3_BUCKET: expected a bucket name with DURABLE_AGENT_OUTPUT_STORE=s3, got nothing. Set it, or use DURABLE_AGENT_OUTPUT_STORE=fs.',
        );
      }
      const endpoint = values.AWS_ENDPOINT_URL_S3 ?? values.AWS_ENDPOINT_URL;
      const prefix = values.DURABLE_AGENT_OUTPUT_S3_PREFIX ?? '';
      return {
        kind: 's3',
        bucket,
        prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
        region: values.AWS_REGION ?? values.AWS_DEFAULT_REGION ?? 'us-east-1',
        ...(endpoint ? { endpoint } : {}),
        forcePathStyle: values.DURABLE_AGENT_OUTPUT_S3_PATH_STYLE ?? endpoint !== undefined,
        thresholdBytes,
        externalPayloads,
      };
    }
  }
}
