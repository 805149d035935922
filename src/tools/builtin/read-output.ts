import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { ERROR_TYPES } from '../../contracts/error-types';
import { READ_OUTPUT_MAX_LENGTH, READ_OUTPUT_TOOL } from '../../contracts/limits';
import { parseOutputHandle, runTag } from '../../outputs/output-keys';
import { OutputReadError, readSlice, searchOutput } from '../../outputs/output-reading';
import type { OutputStore } from '../../outputs/output-store';
import { defineTool, ToolError, type Tool } from '../define-tool';

/** Bytes one call returns when it does not say: a window that keeps the conversation small. */
const DEFAULT_LENGTH = 8_192;

export interface ReadOutputOptions {
  /** The store the worker's tool activities save large outputs in. */
  outputs: OutputStore;
}

/**
 * The `read_output` built-in: reads a slice of a tool output stored outside history (src/outputs/), or searches it,
 * without bringing it into history whole. Only the calling run's outputs; a blob that is gone is `OutputExpired`.
 */
export function createReadOutputTool(options: ReadOutputOptions): Tool {
  const { outputs } = options;
  return defineTool({
    name: READ_OUTPUT_TOOL,
    description:
      'Read part of a tool output too large for the conversation (its result says "[stored output out_…]"). Give its handle and an ' +
      `offset and length in bytes (at most ${READ_OUTPUT_MAX_LENGTH}) to read a slice; or give "search" (text, or a regular expression with ` +
      '"regex": true) to get the matching lines with their line numbers and byte offsets, then read around an offset. Outputs of this run only.',
    input: z
      .object({
        handle: z.string().min(1).max(300).describe('The handle of a stored output, out_…, as its result names it'),
        offset: z.number().int().min(0).default(0).describe('Byte offset to read (or search) from'),
        length: z.number().int().min(1).max(READ_OUTPUT_MAX_LENGTH).default(DEFAULT_LENGTH).describe('Bytes to read'),
        search: z.string().min(1).max(1_000).optional().describe('Find this instead of reading a slice: returns the matching lines'),
        regex: z.boolean().default(false).describe('"search" is a JavaScript regular expression'),
        ignoreCase: z.boolean().default(false).describe('Search without regard to case'),
        maxMatches: z.number().int().min(1).max(100).default(20).describe('Most matching lines returned'),
      })
      .strict(),
    timeout: '30 seconds',
    effects: 'read',
    fast: true,
    summaryField: 'handle',
    run: async (input, context) => {
      const parsed = parseOutputHandle(input.handle);
      if (!parsed) throw new ToolError(`"${input.handle.slice(0, 100)}" is not a handle: a stored output's result names its handle as out_<call>_<attempt>_<tag>`);
      // This run's outputs, or those of the runs a fork came from (its transcript names their handles).
      const owner = [context.workflowId, ...(context.outputsOf ?? [])].find((workflowId) => runTag(workflowId) === parsed.tag);
      if (owner === undefined) throw new ToolError(`the handle ${input.handle} belongs to another run: read_output reads this run's outputs only (and, in a fork, those of the runs it was forked from)`);
      let stored;
      try {
        stored = await outputs.read({ namespace: context.namespace ?? 'default', workflowId: owner, taskId: parsed.taskId, attempt: parsed.attempt });
      } catch (error) {
        // A blob this worker cannot open (no key, another key, altered) stays so on every attempt.
        if (error instanceof Error && error.name === 'PayloadDecryptionError') throw ApplicationFailure.create({ type: error.name, message: error.message, nonRetryable: true });
        throw error;
      }
      if (!stored) {
        throw ApplicationFailure.create({
          type: ERROR_TYPES.outputExpired,
          message: `the stored output ${input.handle} is gone: it was deleted by retention (durable-agent outputs prune), or this worker's store (${outputs.driver.description}) is not the one that kept it`,
          nonRetryable: true,
        });
      }
      const common = { handle: input.handle, kind: stored.kind, totalBytes: stored.bytes.length };
      try {
        if (input.search !== undefined) {
          const found = searchOutput(stored.bytes, { pattern: input.search, regex: input.regex, ignoreCase: input.ignoreCase, from: input.offset, maxMatches: input.maxMatches });
          return { ...common, search: input.search, from: input.offset, ...found };
        }
        return { ...common, ...readSlice(stored.bytes, input.offset, input.length) };
      } catch (error) {
        if (error instanceof OutputReadError) throw new ToolError(error.message);
        throw error;
      }
    },
  });
}
