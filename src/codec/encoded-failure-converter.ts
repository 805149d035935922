import { DefaultFailureConverter } from '@temporalio/common';

/**
 * The failure converter of an encrypting process (loaded by path: `failureConverterPath`): a failure's message and
 * stack trace go into its encoded attributes, a payload the codec encrypts, instead of plain text in history.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
