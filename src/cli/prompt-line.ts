import { createInterface } from 'node:readline/promises';

/** A prompt dropped because what it asked about was settled elsewhere; the message says how. */
export class PromptAborted extends Error {
  override name = 'PromptAborted';
}

/** The person pressed Ctrl-C at the prompt (the command winds down; nothing more is asked). */
export class PromptInterrupted extends PromptAborted {
  override name = 'PromptInterrupted';
}

/**
 * Asks one line on the terminal (stdin/stdout). `initial` is put on the line to edit. Ctrl-C is passed on to the
 * process as SIGINT (the command's own handling decides), and `signal` drops the prompt with its reason.
 */
export async function askLine(query: string, options: { signal?: AbortSignal; initial?: string } = {}): Promise<string> {
  const { signal } = options;
  if (signal?.aborted) throw reasonOf(signal);
  const line = createInterface({ input: process.stdin, output: process.stdout, terminal: Boolean(process.stdin.isTTY) });
  let interrupted = false;
  line.on('SIGINT', () => {
    interrupted = true;
    line.close();
    process.kill(process.pid, 'SIGINT');
  });
  const asked = line.question(query, signal ? { signal } : {});
  if (options.initial) line.write(options.initial);
  try {
    return await asked;
  } catch (error) {
    if (interrupted) throw new PromptInterrupted('interrupted');
    if (signal?.aborted) {
      process.stdout.write('\n');
      throw reasonOf(signal);
    }
    throw error;
  } finally {
    line.close();
  }
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new PromptAborted(String(signal.reason ?? 'settled'));
}
