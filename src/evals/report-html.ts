import type { EvalCaseResult, EvalReport } from '../contracts/eval';
import { counted } from '../core/words';
import { escapeHtml } from './html';
import { caseChanges, caseIds, compareVariants, failedChecks, resultOf, signed, summaryOf } from './report-compare';
import { countText, durationText, usdText } from './report-table';

/**
 * An eval's report as a self-contained HTML page: summary cards per variant, score against cost (inline SVG), the
 * matrix of cases × variants and the comparison of the first two variants. Pure: no I/O. Inline CSS, no scripts, no
 * external assets; every text from the report is escaped.
 */

/** Options of `evalHtml`. */
export interface EvalHtmlOptions {
  /**
   * The address of a case's run (the Temporal UI's page), linked from its cell; no link when it gives none.
   * @default () => undefined
   */
  runUrl?: (workflowId: string) => string | undefined;
}

export const DEFAULT_EVAL_HTML_OPTIONS: Required<EvalHtmlOptions> = { runUrl: () => undefined };

/** One colour per variant, in the report's order (cards, chart points), repeating past the last. */
const VARIANT_COLORS = ['#3a63c8', '#d9822b', '#1d9a6c', '#9457d6', '#c5407a', '#2a9bb5', '#7a8a2e', '#6b7588'];
/** Failing checks shown in a cell; the rest are in its tooltip. */
const CELL_CHECKS = 3;
const CHART = { width: 560, height: 320, left: 58, right: 28, top: 22, bottom: 48 };

const colorOf = (report: EvalReport, variant: string) => VARIANT_COLORS[Math.max(0, report.variants.indexOf(variant)) % VARIANT_COLORS.length] ?? '#6b7588';
const cut = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, chars - 1)}…` : text);

/** The report as an HTML page (see the module's comment). */
export function evalHtml(report: EvalReport, options: EvalHtmlOptions = {}): string {
  const { runUrl } = { ...DEFAULT_EVAL_HTML_OPTIONS, ...options };
  const [first, second] = report.variants;
  const wall = Date.parse(report.endedAt) - Date.parse(report.startedAt);
  const facts = [
    `eval <code>${escapeHtml(report.evalId)}</code>`,
    `started ${escapeHtml(report.startedAt.replace('T', ' ').slice(0, 19))} UTC`,
    ...(Number.isFinite(wall) && wall >= 0 ? [`took ${durationText(wall)}`] : []),
    counted(caseIds(report).length, 'case'),
  ];
  const variantChips = report.variants.map((variant) => `<span class="chip"><i style="background:${colorOf(report, variant)}"></i>${escapeHtml(variant)}</span>`).join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>eval ${escapeHtml(report.suite)} · ${escapeHtml(report.evalId)}</title><style>
*{box-sizing:border-box}body{margin:0;font:14px/1.4 "DejaVu Sans","Liberation Sans",system-ui,sans-serif;color:#1f2733;background:#f3f5f9}
main{max-width:1240px;margin:0 auto;padding:0 24px 32px}header{padding:22px 24px 16px;background:#fff;border-bottom:1px solid #d8dde6;margin-bottom:20px}
header>div{max-width:1192px;margin:0 auto}h1{margin:0 0 6px;font-size:22px}h1 small{font-weight:400;color:#6b7588}h2{font-size:16px;margin:0 0 12px}
.facts{color:#475266}.facts code{font:13px "DejaVu Sans Mono",monospace}.chip{display:inline-flex;align-items:center;margin:8px 8px 0 0;padding:2px 10px;border-radius:12px;background:#eceff5;font-size:13px}
.chip i{width:10px;height:10px;border-radius:50%;margin-right:6px}section,.card{background:#fff;border:1px solid #d8dde6;border-radius:8px;padding:16px 18px;margin-bottom:20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:16px;margin-bottom:20px}.card{margin:0;border-top:4px solid}.card h3{margin:0 0 6px;font-size:15px}
.big{font-size:26px;font-weight:700}.big small{font-size:14px;font-weight:400;color:#6b7588}.meter{height:8px;border-radius:4px;background:#f6d3cf;margin:6px 0 10px;overflow:hidden}
.meter i{display:block;height:100%;background:#1e8e3e}.card dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0;font-size:13px}.card dt{color:#6b7588}.card dd{margin:0;text-align:right}
.pair{margin-bottom:20px;display:grid;grid-template-columns:minmax(0,${CHART.width + 40}px) minmax(0,1fr);gap:20px}.pair section{margin:0}.note{font-size:12px;color:#6b7588;margin-top:6px}
svg text{font:12px "DejaVu Sans",sans-serif;fill:#475266}.matrix{width:100%;border-collapse:separate;border-spacing:6px}.matrix th{text-align:left;font-size:13px;color:#475266;padding:0 4px}
.matrix th.case{font:13px "DejaVu Sans Mono",monospace;color:#1f2733;vertical-align:top;padding-top:10px;width:16%;word-break:break-all}
td.cell{vertical-align:top;padding:8px 10px;border-radius:6px;font-size:13px}td.pass{background:#e6f4ea;border-left:4px solid #1e8e3e}td.fail{background:#fce8e6;border-left:4px solid #d93025}td.none{background:#f1f3f6;color:#8a94a6}
.verdict{font-weight:700}.pass .verdict{color:#137333}.fail .verdict{color:#b3261e}.figures{color:#475266}.checks{margin:4px 0 0;padding:0;list-style:none;color:#8c1d18;font-size:12px}
.checks li::before{content:"✗ "}td.cell a{float:right;color:#3a63c8;text-decoration:none;font-size:12px}details{margin-top:4px;font-size:12px;color:#475266}summary{cursor:pointer}
details p{margin:4px 0 0;white-space:pre-wrap;font:12px "DejaVu Sans Mono",monospace;background:rgba(255,255,255,.6);padding:4px 6px;border-radius:4px}
.delta{display:flex;gap:10px;flex-wrap:wrap;margin-bottom:12px}.delta span{padding:4px 10px;border-radius:6px;background:#eceff5}.delta .up{background:#e6f4ea;color:#137333}.delta .down{background:#fce8e6;color:#b3261e}
.changes{margin:0 0 10px;padding-left:18px}.changes li{margin:3px 0}.changes code{font:13px "DejaVu Sans Mono",monospace}h4{margin:10px 0 4px;font-size:13px}footer{font-size:12px;color:#6b7588}
</style></head><body>
<header><div><h1>Eval <small>of</small> ${escapeHtml(report.suite)}</h1><div class="facts">${facts.join(' · ')}</div><div>${variantChips}</div></div></header>
<main>
<div class="cards">${report.variants.map((variant) => summaryCard(report, variant)).join('')}</div>
<div class="pair"><section><h2>Score against cost</h2>${scoreCostChart(report)}</section>
<section><h2>${first !== undefined && second !== undefined ? `${escapeHtml(second)} against ${escapeHtml(first)}` : 'Comparison'}</h2>${first !== undefined && second !== undefined ? comparison(report, first, second) : '<p class="note">One variant: nothing to compare.</p>'}</section></div>
<section><h2>Results</h2><table class="matrix"><thead><tr><th>case</th>${report.variants.map((variant) => `<th>${escapeHtml(variant)}</th>`).join('')}</tr></thead><tbody>
${caseIds(report).map((caseId) => `<tr><th class="case">${escapeHtml(caseId)}</th>${report.variants.map((variant) => matrixCell(resultOf(report, caseId, variant), runUrl)).join('')}</tr>`).join('\n')}
</tbody></table></section>
<footer>durable-agent eval · drawn by src/evals/report-html.ts · ended ${escapeHtml(report.endedAt.replace('T', ' ').slice(0, 19))} UTC</footer>
</main></body></html>
`;
}

function summaryCard(report: EvalReport, variant: string): string {
  const summary = summaryOf(report, variant);
  const rate = summary.cases === 0 ? 0 : summary.passed / summary.cases;
  const rows: Array<[string, string]> = [
    ['mean score', summary.score.toFixed(2)],
    ['total cost', summary.costUsd === undefined ? 'unknown' : usdText(summary.costUsd)],
    ['tokens', countText(summary.tokens)],
    ['wall time', durationText(summary.wallMs)],
  ];
  return (
    `<div class="card" style="border-top-color:${colorOf(report, variant)}"><h3>${escapeHtml(variant)}</h3>` +
    `<div class="big">${summary.passed}<small> / ${summary.cases} passed</small></div><div class="meter"><i style="width:${(rate * 100).toFixed(1)}%"></i></div>` +
    `<dl>${rows.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('')}</dl></div>`
  );
}

interface Box { left: number; top: number; width: number }

/**
 * Where a point's label goes: beside it, right then left, above then below, the first place inside the plot that no
 * earlier label covers; else further down, so labels of points at the same spot stack instead of overprinting.
 */
function labelBox(cx: number, cy: number, width: number, placed: Box[]): Box {
  const height = 16;
  const overlaps = (box: Box) => placed.some((other) => box.left < other.left + other.width && other.left < box.left + box.width && Math.abs(box.top - other.top) < height);
  const inside = (box: Box) => box.left >= CHART.left && box.left + box.width <= CHART.width - 4 && box.top >= 2 && box.top + height <= CHART.height - CHART.bottom;
  const candidates = [-22, 6, -38, 22, 38, 54].flatMap((dy) => [{ left: cx + 10, top: cy + dy, width }, { left: cx - 10 - width, top: cy + dy, width }]);
  return candidates.find((box) => inside(box) && !overlaps(box)) ?? candidates.find(inside) ?? { left: cx + 10, top: cy - 22, width };
}

/** An axis tick's cost: `$0`, `$0.02`, `$1.5`. */
const tickUsd = (cost: number) => `$${Number(cost.toPrecision(6))}`;

/** A round axis end (1, 2 or 5 × 10^n) at or above `value`, in at most 5 steps. */
function niceAxis(value: number): { max: number; step: number } {
  if (!(value > 0)) return { max: 0.01, step: 0.0025 };
  for (let power = 10 ** Math.floor(Math.log10(value) - 1); ; power *= 10) {
    for (const step of [power, power * 2, power * 5]) if (value / step <= 5) return { max: Math.ceil(value / step - 1e-9) * step, step };
  }
}

/** Each variant's mean score (y) against its total cost (x); a variant with no known cost sits at $0, drawn hollow. */
function scoreCostChart(report: EvalReport): string {
  const { width, height, left, right, top, bottom } = CHART;
  const summaries = report.variants.map((variant) => summaryOf(report, variant));
  const axis = niceAxis(Math.max(0, ...summaries.map((summary) => summary.costUsd ?? 0)) * 1.1);
  const x = (cost: number) => left + (cost / axis.max) * (width - left - right);
  // The score axis ends at 1 and starts at 0, or closer when every score is high, so close scores stay apart.
  const floor = Math.min(0.8, Math.max(0, Math.floor((Math.min(...summaries.map((summary) => summary.score)) - 0.05) * 10) / 10));
  const y = (score: number) => top + ((1 - score) / (1 - floor)) * (height - top - bottom);
  const xTicks = Array.from({ length: Math.round(axis.max / axis.step) + 1 }, (_, index) => index * axis.step);
  const grid = [
    ...[0, 0.25, 0.5, 0.75, 1].map((share) => floor + share * (1 - floor)).map((score) => `<line x1="${left}" x2="${width - right}" y1="${y(score)}" y2="${y(score)}" stroke="#e6e9f0"/><text x="${left - 8}" y="${y(score) + 4}" text-anchor="end">${score.toFixed(2)}</text>`),
    ...xTicks.map((cost) => `<line x1="${x(cost)}" x2="${x(cost)}" y1="${top}" y2="${height - bottom}" stroke="#eef1f5"/><text x="${x(cost)}" y="${height - bottom + 18}" text-anchor="middle">${tickUsd(cost)}</text>`),
    `<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#8a94a6"/><line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#8a94a6"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">total cost (USD)</text>`,
    `<text transform="translate(14 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">mean score</text>`,
  ];
  // Labels keep clear of every point and of the labels placed before them.
  const placed: Box[] = summaries.map((summary) => ({ left: x(summary.costUsd ?? 0) - 9, top: y(summary.score) - 8, width: 18 }));
  const points = summaries.map((summary) => {
    const [cx, cy] = [x(summary.costUsd ?? 0), y(summary.score)];
    const color = colorOf(report, summary.variant);
    const name = cut(summary.variant, 24);
    const box = labelBox(cx, cy, name.length * 7.4 + 4, placed);
    placed.push(box);
    const figures = `${summary.passed}/${summary.cases} passed, mean score ${summary.score.toFixed(2)}, ${summary.costUsd === undefined ? 'cost unknown' : usdText(summary.costUsd)}`;
    return (
      `<g class="point" data-variant="${escapeHtml(summary.variant)}"><title>${escapeHtml(`${summary.variant}: ${figures}`)}</title>` +
      `<circle cx="${cx}" cy="${cy}" r="7" fill="${summary.costUsd === undefined ? '#fff' : color}" stroke="${color}" stroke-width="2.5"/>` +
      `<text x="${box.left + 2}" y="${box.top + 12}" style="fill:${color};font-weight:700">${escapeHtml(name)}</text></g>`
    );
  });
  const unknown = summaries.filter((summary) => summary.costUsd === undefined).map((summary) => escapeHtml(summary.variant));
  const note = unknown.length > 0 ? `<p class="note">No cost known for ${unknown.join(', ')} (no price for its model): drawn hollow at $0.</p>` : '';
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="mean score against total cost per variant">${grid.join('')}${points.join('')}</svg>${note}`;
}

/** One case under one variant: pass or fail, score, cost, steps, the run's link, the failing checks, the answer. */
function matrixCell(result: EvalCaseResult | undefined, runUrl: (workflowId: string) => string | undefined): string {
  if (!result) return '<td class="cell none">not run</td>';
  const failing = failedChecks(result);
  const url = runUrl(result.workflowId);
  const link = url !== undefined && /^https?:\/\//i.test(url) ? `<a class="run" href="${escapeHtml(url)}" title="${escapeHtml(result.workflowId)}">run ↗</a>` : '';
  const tooltip = result.checks.map((check) => `${check.pass ? '✓' : '✗'} ${check.check}${check.detail ? ` — ${check.detail}` : ''}`).join('\n');
  const figures = [result.costUsd === undefined ? 'cost unknown' : usdText(result.costUsd), counted(result.steps, 'step'), durationText(result.wallMs), ...(result.status === 'final' ? [] : [result.status])];
  const shown = failing.slice(0, CELL_CHECKS).map((text) => `<li>${escapeHtml(cut(text, 90))}</li>`);
  const more = failing.length > CELL_CHECKS ? `<li>and ${failing.length - CELL_CHECKS} more (hover)</li>` : '';
  return (
    `<td class="cell ${result.pass ? 'pass' : 'fail'}" title="${escapeHtml(tooltip)}">${link}<span class="verdict">${result.pass ? 'PASS' : 'FAIL'}</span> · score ${result.score.toFixed(2)}` +
    `<div class="figures">${escapeHtml(figures.join(' · '))}</div>${shown.length > 0 ? `<ul class="checks">${shown.join('')}${more}</ul>` : ''}` +
    `<details><summary>answer</summary><p>${escapeHtml(cut(result.answer, 600)) || '<i>(empty)</i>'}</p></details></td>`
  );
}

/** The first two variants compared: totals, then each case that improved or regressed under the second. */
function comparison(report: EvalReport, a: string, b: string): string {
  const totals = compareVariants(report, a, b);
  const changes = caseChanges(report, a, b);
  const tone = (value: number, better: 'up' | 'down') => (Math.abs(value) < 1e-9 ? '' : (value > 0) === (better === 'up') ? 'up' : 'down');
  const pills = [
    `<span class="${totals.improved.length > 0 ? 'up' : ''}">${totals.improved.length} improved</span>`,
    `<span class="${totals.regressed.length > 0 ? 'down' : ''}">${totals.regressed.length} regressed</span>`,
    `<span>${totals.unchanged} unchanged</span>`,
    `<span class="${tone(totals.scoreDelta, 'up')}">mean score ${signed(totals.scoreDelta, (magnitude) => magnitude.toFixed(2))}</span>`,
    ...(totals.costDelta !== undefined ? [`<span class="${tone(totals.costDelta, 'down')}">cost ${signed(totals.costDelta, (magnitude) => usdText(magnitude))}</span>`] : []),
  ];
  const list = (direction: 'improved' | 'regressed', title: string) => {
    const items = changes.filter((change) => change.direction === direction);
    if (items.length === 0) return '';
    return `<h4>${title} under ${escapeHtml(b)}</h4><ul class="changes">${items.map((change) => `<li><code>${escapeHtml(change.caseId)}</code> ${escapeHtml(change.detail)}</li>`).join('')}</ul>`;
  };
  const none = changes.length === 0 ? '<p class="note">No case changed its pass or score.</p>' : '';
  return `<div class="delta">${pills.join('')}</div>${list('regressed', 'Regressed')}${list('improved', 'Improved')}${none}`;
}
