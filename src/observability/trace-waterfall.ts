/**
 * One trace as read back from Jaeger's query API (`GET /api/traces/<id>`, the JSON the Jaeger UI reads), drawn as a
 * waterfall in a self-contained HTML page: one row per span under its parent, a bar placed by start and duration. Pure:
 * no I/O. The tracing tier screenshots it for docs/observability.md, since a Jaeger built from its Go module has no UI.
 */

export interface JaegerTag { key: string; type: string; value: string | number | boolean }

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }>;
  startTime: number; // µs since the epoch
  duration: number; // µs
  tags: JaegerTag[];
  processID: string;
}

export interface JaegerTrace { traceID: string; spans: JaegerSpan[]; processes: Record<string, { serviceName: string; tags: JaegerTag[] }> }

/** A span and how deep it sits: 0 for a span whose parent is not in the trace. */
export interface WaterfallRow { span: JaegerSpan; depth: number }

/** Pixel sizes the page is laid out with, so a screenshot's window can fit it exactly (`waterfallHeight`). */
const HEADER_HEIGHT = 132;
const ROW_HEIGHT = 44;
const FOOTER_HEIGHT = 40;
const LABEL_WIDTH = 560;
const GAP_PERCENT = 8; // the width of a collapsed stretch with no span open, in percent of the time axis

/** The page's height in CSS pixels: header, one row per span, footer. */
export function waterfallHeight(trace: JaegerTrace): number {
  return HEADER_HEIGHT + ROW_HEIGHT * trace.spans.length + FOOTER_HEIGHT;
}

/**
 * The spans depth first, each followed by its children, siblings by start time; a span whose parent is not in the
 * trace is a root. Every span appears once, even in a (malformed) reference cycle.
 */
export function waterfallRows(trace: JaegerTrace): WaterfallRow[] {
  const spans = [...trace.spans].sort((a, b) => a.startTime - b.startTime);
  const ids = new Set(spans.map((span) => span.spanID));
  const parentId = (span: JaegerSpan) => span.references.find((item) => item.refType === 'CHILD_OF' && ids.has(item.spanID))?.spanID;
  const rows: WaterfallRow[] = [];
  const seen = new Set<JaegerSpan>();
  const visit = (span: JaegerSpan, depth: number) => {
    if (seen.has(span)) return;
    seen.add(span);
    rows.push({ span, depth });
    for (const child of spans) if (parentId(child) === span.spanID) visit(child, depth + 1);
  };
  for (const span of spans) if (parentId(span) === undefined) visit(span, 0);
  for (const span of spans) visit(span, 0); // what a cycle left unreached
  return rows;
}

/** The trace as an HTML page: inline CSS, no scripts, no external assets; every text from the trace is escaped. */
export function renderTraceWaterfall(trace: JaegerTrace): string {
  const rows = waterfallRows(trace);
  const start = Math.min(...trace.spans.map((span) => span.startTime));
  const total = Math.max(Math.max(...trace.spans.map((span) => span.startTime + span.duration)) - start, 1);
  const scale = timeScale(trace.spans, start, total);
  const services = [...new Set(trace.spans.map((span) => serviceOf(trace, span)))];
  const workflowId = trace.spans.map((span) => tagOf(span, 'temporalWorkflowId')).find((value) => value !== undefined);
  const step = tickStep(total - scale.gaps.reduce((sum, gap) => sum + gap.to - gap.from, 0));
  const tickMarks = scale.gaps
    .map((gap) => `<div class="gap" style="left:${percent(scale.x(gap.from))};width:${GAP_PERCENT}%"><span>${formatDuration(gap.to - gap.from)} gap</span></div>`)
    .concat(Array.from({ length: Math.floor(total / step) + 1 }, (_, index) => index * step)
      .filter((at) => !scale.gaps.some((gap) => at > gap.from && at < gap.to))
      .map((at) => `<div class="tick" style="left:${percent(scale.x(at))}"><span>${formatDuration(at)}</span></div>`))
    .join('');
  const shown = new Set(rows.map((row) => (isError(row.span) ? ERROR : familyOf(row.span))));
  const legend = [...FAMILIES, ERROR].filter((family) => shown.has(family)).map((family) => `<span class="key"><i class="${family.name}"></i>${family.label}</span>`).join('');
  const body = rows.map((row) => renderRow(trace, row, (at) => scale.x(at - start), scale.width)).join('\n');
  const summary = [`${trace.spans.length} spans`, `${services.length === 1 ? 'service' : 'services'} ${services.join(', ')}`, formatDuration(total)]
    .concat(workflowId === undefined ? [] : [`workflow ${String(workflowId)}`])
    .concat(scale.gaps.map((gap) => `hatched: ${formatDuration(gap.to - gap.from)} with no span open, drawn narrow`));
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>trace ${escapeHtml(trace.traceID)}</title><style>
*{box-sizing:border-box}body{margin:0;font:13px/1.3 "DejaVu Sans","Liberation Sans",system-ui,sans-serif;color:#1f2733;background:#fff}
header{height:${HEADER_HEIGHT - 28}px;padding:14px 20px 0;border-bottom:1px solid #d8dde6;background:#f6f8fb}h1{margin:0 0 4px;font-size:17px}h1 code{font:15px "DejaVu Sans Mono",monospace;color:#475266}.summary{color:#475266}
.legend{margin-top:10px}.key{margin-right:16px;color:#475266}.key i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-2px}
.axis,.row{display:grid;grid-template-columns:${LABEL_WIDTH}px 1fr}.axis{height:28px;border-bottom:1px solid #d8dde6}
.track{position:relative;height:100%;margin:0 72px 0 16px}.chart{position:relative}.grid{position:absolute;top:0;bottom:0;left:${LABEL_WIDTH + 16}px;right:72px}
.tick{position:absolute;top:0;bottom:0;border-left:1px solid #e6e9f0}.gap{position:absolute;top:0;bottom:0;background:repeating-linear-gradient(135deg,#eef1f6 0 6px,#f8f9fb 6px 12px);border-left:1px dashed #b8c0cc;border-right:1px dashed #b8c0cc}
.gap span{position:absolute;top:7px;width:100%;text-align:center;font-size:11px;font-style:italic;color:#6b7588;white-space:nowrap}.tick span{position:absolute;top:7px;left:4px;font-size:11px;color:#6b7588;white-space:nowrap}
.row{position:relative;height:${ROW_HEIGHT}px;border-bottom:1px solid #eef1f5}.row:nth-child(odd){background:rgba(240,243,248,.55)}
.label{display:flex;flex-direction:column;justify-content:center;overflow:hidden;white-space:nowrap;border-right:1px solid #d8dde6}.name{font-weight:600}.failed .name{color:#c5221f}
.head{padding:7px 12px;font-size:11px;color:#6b7588}.service{margin-left:8px;font-weight:400;font-size:11px;color:#6b7588}.chips:not(:empty){margin-top:3px}
.chip{display:inline-block;margin-right:5px;padding:0 6px;border-radius:8px;background:#eceff5;font-size:11px;color:#3b4556}.chip.red{background:#fce8e6;color:#c5221f}
.bar{position:absolute;top:14px;height:16px;min-width:2px;border-radius:3px}.bar span{position:absolute;top:0;font-size:11px;line-height:16px;color:#3b4556;white-space:nowrap}
.bar .after{left:100%;padding-left:6px}.bar .before{right:100%;padding-right:6px}${[...FAMILIES, ERROR].map((family) => `.${family.name}{background:${family.color}}`).join('')}
footer{height:${FOOTER_HEIGHT}px;padding:12px 20px;font-size:11px;color:#6b7588;border-top:1px solid #d8dde6}
</style></head><body>
<header><h1>Trace <code>${escapeHtml(trace.traceID)}</code></h1><div class="summary">${escapeHtml(summary.join(' · '))}</div><div class="legend">${legend}</div></header>
<div class="chart"><div class="grid">${tickMarks}</div><div class="axis"><div class="label head">span · service · key attributes</div></div>
${body}</div>
<footer>As stored by Jaeger and read back from its query API (/api/traces); drawn by src/observability/trace-waterfall.ts.</footer>
</body></html>
`;
}

/** Bar colours by what a span is: Temporal's spans by role, the GenAI conventions' spans, durable-agent's waits. */
const FAMILIES = [
  { name: 'workflow', label: 'workflow (start, run)', color: '#5b6ee1', test: /^(StartWorkflow|RunWorkflow|SignalWithStart|StartUpdate)/ },
  { name: 'schedule', label: 'activity scheduled', color: '#9fb7da', test: /^StartActivity:/ },
  { name: 'activity', label: 'activity attempt', color: '#3a86c8', test: /^RunActivity:/ },
  { name: 'chat', label: 'model call (chat)', color: '#9457d6', test: /^chat / },
  { name: 'tool', label: 'tool call (execute_tool)', color: '#1d9a6c', test: /^execute_tool / },
  { name: 'wait', label: 'wait for people', color: '#e09b2d', test: /^wait / },
  { name: 'other', label: 'other', color: '#8a94a6', test: /./ },
];
const ERROR = { name: 'error', label: 'error', color: '#d93025' };

/** One span's row: its name, service and key attributes, indented by depth, and its bar on the time axis. */
function renderRow(trace: JaegerTrace, { span, depth }: WaterfallRow, left: (at: number) => number, width: (duration: number) => number): string {
  const failed = isError(span);
  const chipHtml = keyAttributes(span).map((text) => `<span class="chip${text.startsWith('error ') ? ' red' : ''}">${escapeHtml(text)}</span>`).join('');
  const late = left(span.startTime) > 82; // its duration goes left of the bar, not off the page
  return (
    `<div class="row${failed ? ' failed' : ''}"><div class="label" style="padding-left:${12 + depth * 18}px">` +
    `<div class="name">${escapeHtml(span.operationName)}<span class="service">${escapeHtml(serviceOf(trace, span))}</span></div><div class="chips">${chipHtml}</div></div>` +
    `<div class="track"><div class="bar ${failed ? 'error' : familyOf(span).name}" style="left:${percent(left(span.startTime))};width:${percent(width(span.duration))}">` +
    `<span class="${late ? 'before' : 'after'}">${formatDuration(span.duration)}</span></div></div></div>`
  );
}

function familyOf(span: JaegerSpan): (typeof FAMILIES)[number] {
  return FAMILIES.find((family) => family.test.test(span.operationName)) ?? FAMILIES[FAMILIES.length - 1]!;
}

function tagOf(span: JaegerSpan, key: string): JaegerTag['value'] | undefined {
  return span.tags.find((item) => item.key === key)?.value;
}

function serviceOf(trace: JaegerTrace, span: JaegerSpan): string {
  return trace.processes[span.processID]?.serviceName ?? '?';
}

function isError(span: JaegerSpan): boolean {
  return String(tagOf(span, 'error')) === 'true' || tagOf(span, 'otel.status_code') === 'ERROR';
}

/** The attributes worth reading at a glance, as short texts; the error's type (`error <type>`) is drawn in red. */
function keyAttributes(span: JaegerSpan): string[] {
  const value = (key: string) => (tagOf(span, key) === undefined ? undefined : String(tagOf(span, key)));
  const [input, output, attempt] = [value('gen_ai.usage.input_tokens'), value('gen_ai.usage.output_tokens'), value('temporal.activity.attempt') ?? value('attempt')];
  const chips: Array<[string, string | undefined]> = [
    ['model', value('gen_ai.request.model')],
    ['tokens', input === undefined && output === undefined ? undefined : `${input ?? '?'} in / ${output ?? '?'} out`],
    ['finish', value('gen_ai.response.finish_reasons')?.replace(/[[\]"]/g, '')],
    ['tool', value('gen_ai.tool.name')],
    ['call', value('gen_ai.tool.call.id')],
    ['wait', value('durable_agent.wait.kind')],
    ['attempt', Number(attempt) > 1 ? attempt : undefined],
    ['error', value('error.type')],
  ];
  return chips.filter(([, text]) => text !== undefined).map(([label, text]) => `${label} ${text}`);
}

/**
 * Where on the time axis (percent) a moment `at` µs after the trace's start goes. A stretch longer than a fifth of the
 * trace in which no span is open (a worker starting, say) is drawn as a narrow band saying how long it was, so the
 * spans get the width; every duration keeps one scale, so bar widths stay proportional.
 */
function timeScale(spans: JaegerSpan[], start: number, total: number) {
  const gaps: Array<{ from: number; to: number }> = [];
  let openUntil = 0;
  for (const span of [...spans].sort((a, b) => a.startTime - b.startTime)) {
    const from = span.startTime - start;
    if (from - openUntil > total / 5) gaps.push({ from: openUntil, to: from });
    openUntil = Math.max(openUntil, from + span.duration);
  }
  const perMicrosecond = (100 - GAP_PERCENT * gaps.length) / (total - gaps.reduce((sum, gap) => sum + gap.to - gap.from, 0));
  const x = (at: number) => {
    const passed = gaps.filter((gap) => gap.from < at);
    const hidden = passed.reduce((sum, gap) => sum + Math.min(at, gap.to) - gap.from, 0);
    return (at - hidden) * perMicrosecond + passed.filter((gap) => at >= gap.to).length * GAP_PERCENT;
  };
  return { gaps, x, width: (duration: number) => duration * perMicrosecond };
}

/** A round step (1, 2 or 5 × 10^n µs) that puts 4 to 10 ticks on the axis. */
function tickStep(total: number): number {
  for (let power = 1; ; power *= 10) for (const step of [power, power * 2, power * 5]) if (total / step <= 10) return step;
}

function formatDuration(microseconds: number): string {
  if (microseconds >= 1_000_000) return `${(microseconds / 1_000_000).toFixed(2).replace(/\.?0+$/, '')} s`;
  if (microseconds >= 10_000) return `${Math.round(microseconds / 1000)} ms`;
  return `${(microseconds / 1000).toFixed(1).replace(/\.0$/, '')} ms`;
}

const percent = (value: number) => `${value.toFixed(3)}%`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
