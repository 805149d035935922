import { createColors } from 'picocolors';
import type { EvalCaseResult, EvalReport } from '../contracts/eval';
import { counted } from '../core/words';
import { caseIds, resultOf, summaryOf } from './report-compare';

/**
 * An eval's report as a terminal table (`durable-agent eval`): one row per case, one column group per variant, a
 * summary line per variant and the failing checks under it. Pure: no I/O; the caller writes the text.
 */

/** Options of `evalTable`. */
export interface EvalTableOptions {
  /**
   * ANSI colours: PASS green, FAIL red, headings bold.
   * @default false
   */
  color?: boolean;
}

export const DEFAULT_EVAL_TABLE_OPTIONS: Required<EvalTableOptions> = { color: false };

/** The width the table keeps to: past it, a variant's group shows only result and score. */
const TABLE_WIDTH = 120;
/** Characters of a case id shown in the table (ids are up to 60). */
const CASE_CHARS = 32;
/** Failing checks listed under the table; the rest are counted. */
const MAX_FAILING_LINES = 20;

/** A cost in USD as the CLI shows it: `$1.25`, `$0.0123`, `<$0.0001`, `-` when the price is unknown. */
export function usdText(cost: number | undefined): string {
  if (cost === undefined) return '-';
  if (cost > 0 && cost < 0.00005) return '<$0.0001';
  return `$${cost.toFixed(cost >= 1 ? 2 : 4)}`;
}

/** A wall time: `850 ms`, `12.3 s`, `4m 05s`. */
export function durationText(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(1)} s`;
  const seconds = Math.round(milliseconds / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

/** A count with thousands separators: `12,345`. */
export function countText(count: number): string {
  return String(Math.round(count)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A short text for a table cell, cut with `…`. */
function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

interface Column {
  title: string;
  align: 'left' | 'right';
  cell: (result: EvalCaseResult) => string;
}

const FULL_COLUMNS: Column[] = [
  { title: 'RESULT', align: 'left', cell: (result) => (result.pass ? 'PASS' : 'FAIL') },
  { title: 'SCORE', align: 'right', cell: (result) => result.score.toFixed(2) },
  { title: 'COST', align: 'right', cell: (result) => usdText(result.costUsd) },
  { title: 'STEPS', align: 'right', cell: (result) => String(result.steps) },
];
const COMPACT_COLUMNS = FULL_COLUMNS.slice(0, 2);

/** The terminal table of an eval's report: cases × variants, a summary line per variant, then the failing checks. */
export function evalTable(report: EvalReport, options: EvalTableOptions = {}): string {
  const { color } = { ...DEFAULT_EVAL_TABLE_OPTIONS, ...options };
  const paint = createColors(color);
  const cases = caseIds(report);
  const caseWidth = Math.max(4, ...cases.map((caseId) => cut(caseId, CASE_CHARS).length));

  const layout = (columns: Column[]) => {
    const widths = report.variants.map((variant) =>
      columns.map((column) => Math.max(column.title.length, ...cases.map((caseId) => cellOf(report, caseId, variant, column).length))),
    );
    // A group is as wide as its columns or its variant's name, whichever is wider.
    const groupWidths = widths.map((group, index) => Math.max(group.reduce((sum, width) => sum + width, 0) + 2 * (group.length - 1), (report.variants[index] ?? '').length));
    return { columns, widths, groupWidths, total: caseWidth + groupWidths.reduce((sum, width) => sum + width + 4, 0) };
  };
  const full = layout(FULL_COLUMNS);
  const { columns, widths, groupWidths } = full.total <= TABLE_WIDTH ? full : layout(COMPACT_COLUMNS);

  const pad = (text: string, width: number, align: Column['align']) => (align === 'right' ? text.padStart(width) : text.padEnd(width));
  const group = (index: number, cells: string[], style: (text: string, column: number) => string = (text) => text) => {
    const inner = cells.map((text, column) => style(pad(text, widths[index]?.[column] ?? 0, columns[column]?.align ?? 'left'), column)).join('  ');
    const innerWidth = (widths[index] ?? []).reduce((sum, width) => sum + width, 0) + 2 * (cells.length - 1);
    return inner + ' '.repeat(Math.max(0, (groupWidths[index] ?? 0) - innerWidth));
  };
  const line = (first: string, groups: string[]) => [first.padEnd(caseWidth), ...groups].join('    ').trimEnd();

  const header = [
    paint.bold(line('', report.variants.map((variant, index) => variant.padEnd(groupWidths[index] ?? 0)))),
    paint.dim(line('CASE', report.variants.map((_, index) => group(index, columns.map((column) => column.title))))),
  ];
  const rows = cases.map((caseId) =>
    line(
      cut(caseId, CASE_CHARS),
      report.variants.map((variant, index) => {
        const result = resultOf(report, caseId, variant);
        const tint = result === undefined ? paint.dim : result.pass ? paint.green : paint.red;
        return group(index, columns.map((column) => cellOf(report, caseId, variant, column)), (text, column) => (column === 0 ? tint(text) : text));
      }),
    ),
  );

  const nameWidth = Math.max(...report.variants.map((variant) => variant.length));
  const summaries = report.variants.map((variant) => {
    const summary = summaryOf(report, variant);
    const passed = `${summary.passed}/${summary.cases} passed`;
    return (
      `${paint.bold(variant.padEnd(nameWidth))}  ${(summary.passed === summary.cases ? paint.green : paint.red)(passed)}` +
      ` · mean score ${summary.score.toFixed(2)} · ${summary.costUsd === undefined ? 'cost unknown' : usdText(summary.costUsd)}` +
      ` · ${countText(summary.tokens)} tokens · ${durationText(summary.wallMs)}`
    );
  });

  const heading = `${paint.bold(`Eval ${report.suite}`)} · ${report.evalId} · ${counted(cases.length, 'case')} × ${counted(report.variants.length, 'variant')} · started ${report.startedAt.replace('T', ' ').slice(0, 19)} UTC`;
  return [heading, '', ...header, ...rows, '', ...summaries, ...failingLines(report, paint.red)].join('\n') + '\n';
}

function cellOf(report: EvalReport, caseId: string, variant: string, column: Column): string {
  const result = resultOf(report, caseId, variant);
  return result === undefined ? '-' : column.cell(result);
}

/** The failing checks, `case · variant · check · detail`, at most `MAX_FAILING_LINES`, then how many more. */
function failingLines(report: EvalReport, red: (text: string) => string): string[] {
  const failing = caseIds(report).flatMap((caseId) =>
    report.variants.flatMap((variant) =>
      (resultOf(report, caseId, variant)?.checks ?? [])
        .filter((check) => !check.pass)
        .map((check) => `  ${[caseId, variant, check.check, ...(check.detail ? [cut(check.detail.replace(/\s+/g, ' '), 80)] : [])].join(' · ')}`),
    ),
  );
  if (failing.length === 0) return [];
  const shown = failing.length > MAX_FAILING_LINES ? failing.slice(0, MAX_FAILING_LINES - 1) : failing;
  const more = failing.length - shown.length;
  return ['', red(`Failing checks (${failing.length})`), ...shown, ...(more > 0 ? [`  … and ${more} more`] : [])];
}
