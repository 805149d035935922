import { EXIT_CODES } from './exit-codes';

/** The first Ctrl-C (or SIGTERM, SIGHUP) of a command, as a promise; the second one ends the process at once. */
export interface Interrupts {
  /** Resolves with the first signal received; never rejects. */
  readonly received: Promise<NodeJS.Signals>;
  /** The first signal, once one came. */
  readonly signal: NodeJS.Signals | undefined;
  /** Stops listening (the default handlers are back). */
  dispose(): void;
}

/** SIGHUP too: a closed terminal must wind down like Ctrl-C (the embedded server is ours to stop). */
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Listens for SIGINT, SIGTERM and SIGHUP. The first one resolves `received`, so the command can wind down in order
 * (cancel its run, stop its worker). A second one means "now": `lastWords()` (what is left behind, if anything)
 * goes to stderr and the process exits with {@link EXIT_CODES.interrupted}.
 */
export function listenForInterrupts(lastWords: () => string | undefined = () => undefined): Interrupts {
  let first: NodeJS.Signals | undefined;
  let resolveReceived: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => (resolveReceived = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = signal;
      resolveReceived(signal);
      return;
    }
    const words = lastWords();
    process.stderr.write(`\n${signal} again: stopping at once.${words ? ` ${words}` : ''}\n`);
    process.exit(EXIT_CODES.interrupted);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    received,
    get signal() {
      return first;
    },
    dispose() {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
}
