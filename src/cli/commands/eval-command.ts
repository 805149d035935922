import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import type { EvalHandle, EvalReport } from '../../client';
import { chosenVariants, parseSuite } from '../../client/eval-run';
import { comparisonText } from '../../evals/report-compare';
import { evalHtml } from '../../evals/report-html';
import { evalTable } from '../../evals/report-table';
import { withAgentConnection } from '../agent-connection';
import { EXIT_CODES } from '../exit-codes';
import { parsePositiveInteger, parseToolList } from '../parse';
import { within } from '../within';

interface EvalCommandOptions {
  variants?: string[];
  concurrency?: number;
  id?: string;
  html?: string;
  compare?: string[];
  detach?: boolean;
  json?: boolean;
}

/** How often the progress line is redrawn while the eval runs. */
const PROGRESS_MS = 2_000;

function readSuite(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read the suite ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`The suite ${file} is not JSON (${(error as Error).message}); docs/evals.md shows its shape.`);
  }
}

/** `done/total` on stderr while the eval runs (on a terminal one line redrawn, else a line when it changes). */
async function showProgress(handle: EvalHandle, ending: Promise<unknown>): Promise<void> {
  let shown = '';
  let ended = false;
  void ending.finally(() => (ended = true)).catch(() => undefined);
  while (!ended) {
    const progress = await within(handle.progress().catch(() => undefined), PROGRESS_MS);
    const line = progress ? `eval ${handle.evalId}: ${progress.done}/${progress.total} case runs done, ${progress.running} running` : '';
    if (line && line !== shown) process.stderr.write(process.stderr.isTTY ? `\r${line}\u001b[K` : `${line}\n`);
    shown = line || shown;
    await within(ending.catch(() => undefined), PROGRESS_MS);
  }
  if (shown && process.stderr.isTTY) process.stderr.write('\n');
}

/** The table, the comparison of two variants, and the HTML report when asked. */
function printReport(report: EvalReport, options: EvalCommandOptions, runUrl: (workflowId: string) => string | undefined): void {
  if (options.html) {
    writeFileSync(options.html, evalHtml(report, { runUrl }));
    process.stderr.write(`HTML report: ${options.html}\n`);
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  process.stdout.write(`${evalTable(report, { color: process.stdout.isTTY === true && !process.env.NO_COLOR }).trimEnd()}\n`);
  const [a, b] = options.compare ?? report.variants;
  if (a && b) process.stdout.write(`\n${comparisonText(report, a, b)}\n`);
}

/** `eval`: a suite's cases under its variants, as a durable eval workflow (docs/evals.md). */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('Run a suite of cases under one or more variants (model, prompt, tools, …) and check every run.')
    .argument('<suite>', 'a JSON file of cases and checks (docs/evals.md)')
    .option('--variants <a,b>', "the suite's variants to run (default: all)", parseToolList)
    .option('--concurrency <n>', 'case runs at once (default 4)', parsePositiveInteger)
    .option('--compare <a,b>', 'the two variants to compare (default: the first two)', parseToolList)
    .option('--html <file>', 'also write an HTML report there')
    .option('--id <id>', 'workflow id of the eval (default: eval-<date>-<random>)')
    .option('--detach', 'start the eval, print its id and return')
    .option('--json', 'print the report as JSON (schema in docs/evals.md)')
    .action(async (suiteFile: string, options: EvalCommandOptions) => {
      const suite = readSuite(suiteFile);
      if (options.compare) {
        if (options.compare.length !== 2) throw new InvalidArgumentError('--compare takes two variant names: --compare a,b');
        // Checked before the eval starts: a name it does not run would only show up as an empty comparison at the end.
        const running = chosenVariants(parseSuite(suite), options.variants).map((variant) => variant.name);
        const unknown = options.compare.find((name) => !running.includes(name));
        if (unknown !== undefined) throw new InvalidArgumentError(`--compare names two variants the eval runs (${running.join(', ')}), got "${unknown}"`);
      }
      await withAgentConnection(async ({ agent, link }) => {
        const handle = await agent.startEval(suite, {
          ...(options.variants ? { variants: options.variants } : {}),
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.id ? { evalId: options.id } : {}),
        });
        if (options.detach) {
          process.stdout.write(`${handle.evalId}\n`);
          return;
        }
        process.stderr.write(`Eval ${handle.evalId} started${link(handle.evalId) ? `: ${link(handle.evalId)}` : ''}\n`);
        const ending = handle.result();
        await showProgress(handle, ending);
        const report = await ending;
        printReport(report, options, link);
        process.exitCode = report.results.every((result) => result.pass) ? EXIT_CODES.ok : EXIT_CODES.runNotFinal;
      });
    });
}
