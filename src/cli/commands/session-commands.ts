import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { TurnAnswer } from '../../client';
import { withAgentConnection } from '../agent-connection';
import { EXIT_CODES } from '../exit-codes';
import { sendWithProgress } from '../follow-turn';
import { createProgressView } from '../progress';
import { parseDuration, parsePositiveInteger, parseUsd } from '../parse';
import { awaitWithWorkerNotice } from '../worker-needed';

/** Prints one turn's answer (as JSON with `--json`) and sets the exit code from its status. */
function printTurn(turn: TurnAnswer, json: boolean | undefined): void {
  process.stdout.write(json ? `${JSON.stringify(turn)}\n` : `${turn.answer}\n`);
  process.exitCode = turn.status === 'final' ? EXIT_CODES.ok : EXIT_CODES.runNotFinal;
}

/** `send`, `chat`, `close`, `raise-budget`: follow-up turns of a session, and more budget for a run. */
export function registerSessionCommands(program: Command): void {
  program
    .command('send')
    .description("Send a session its next message and print that turn's answer.")
    .argument('<id>', 'the session id (workflow id)')
    .argument('<text...>', 'the message')
    .option('--json', 'print {turn, status, answer} as JSON')
    .option('--message-id <id>', "this message's id: sent again with it (a retry after an error), it is the same message and gets its turn's answer")
    .action(async (id: string, words: string[], options: { json?: boolean; messageId?: string }) =>
      withAgentConnection(async ({ agent }) => {
        const handle = agent.getHandle(id);
        const sent = handle.send(words.join(' '), options.messageId !== undefined ? { messageId: options.messageId } : {});
        printTurn(await awaitWithWorkerNotice(handle, sent, 'message'), options.json);
      }),
    );

  program
    .command('chat')
    .description('Talk to a session: start it or resume it by id (update-with-start), one message per line; an empty line or Ctrl-D ends.')
    .argument('<id>', 'the session id (workflow id); a new one is started if none has it')
    .argument('[text...]', 'one message to send, then exit (default: read messages from the terminal or stdin)')
    .option('--goal <text>', 'what a new session is about (its summary in the Temporal UI)')
    .option('--json', 'print each turn as {turn, status, answer} JSON lines')
    .action(async (id: string, words: string[], options: { goal?: string; json?: boolean }) =>
      withAgentConnection(async ({ agent }) => {
        const input = { goal: options.goal ?? `Chat session ${id}` };
        const handle = agent.getHandle(id);
        // Each turn's steps and calls as they happen, as `run` shows them, then its answer (none with --json).
        const turn = (text: string) => agent.chat(id, text, { input });
        const say = async (text: string) =>
          printTurn(options.json ? await turn(text) : await sendWithProgress(handle, createProgressView(process.stdout), () => turn(text)), options.json);
        if (words.length > 0) return say(words.join(' '));
        const lines = createInterface({ input: process.stdin, output: process.stdout, terminal: Boolean(process.stdin.isTTY) });
        try {
          if (process.stdin.isTTY) process.stdout.write(`Session ${id}: type a message, an empty line ends.\n`);
          for (;;) {
            const text = (await lines.question(process.stdin.isTTY ? '> ' : '').catch(() => '')).trim();
            if (!text) break;
            await say(text);
          }
        } finally {
          lines.close();
        }
      }),
    );

  program
    .command('close')
    .description('Close a session: it ends with its last answer.')
    .argument('<id>', 'the session id (workflow id)')
    .action(async (id: string) =>
      withAgentConnection(async ({ agent }) => {
        const handle = agent.getHandle(id);
        await awaitWithWorkerNotice(handle, handle.close(), 'close');
        process.stdout.write(`Closed session ${id}.\n`);
      }),
    );

  program
    .command('raise-budget')
    .description('Raise the budget of a run; one paused on it (waiting_for_budget) goes on.')
    .argument('<id>', 'the run id (workflow id)')
    .option('--tokens <n>', 'new token limit (input + output)', parsePositiveInteger)
    .option('--usd <amount>', 'new cost limit in USD', parseUsd)
    .option('--time <duration>', 'new wall-time limit, e.g. 2h', parseDuration)
    .option('--json', 'print the budget now in force as JSON')
    .action(async (id: string, options: { tokens?: number; usd?: number; time?: number; json?: boolean }) =>
      withAgentConnection(async ({ agent }) => {
        if (options.tokens === undefined && options.usd === undefined && options.time === undefined) {
          throw new InvalidArgumentError('Give at least one of --tokens, --usd, --time.');
        }
        const handle = agent.getHandle(id);
        const raise = {
          ...(options.tokens !== undefined ? { maxTokens: options.tokens } : {}),
          ...(options.usd !== undefined ? { maxCostUsd: options.usd } : {}),
          ...(options.time !== undefined ? { maxWallTimeMs: options.time } : {}),
        };
        const raised = await awaitWithWorkerNotice(handle, handle.raiseBudgets(raise), 'budget raise');
        const budget = raised.budget ?? {};
        if (options.json) {
          process.stdout.write(`${JSON.stringify(raised.subAgents.length ? { ...budget, subAgents: raised.subAgents } : budget)}\n`);
          return;
        }
        // A raise that went through to sub-agents waiting for budget (docs/sub-agents.md) names each.
        const lines = raised.subAgents.map((child) => `Budget of sub-agent ${child.path} (${child.agents.join(' → ')}) is now ${JSON.stringify(child.budget)}; it goes on.`);
        const own = raised.budget || !lines.length ? [`Budget of run ${id} is now ${JSON.stringify(budget)}.`] : [];
        process.stdout.write(`${[...own, ...lines].join('\n')}\n`);
      }),
    );
}
