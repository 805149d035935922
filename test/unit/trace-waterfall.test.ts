import { renderTraceWaterfall, waterfallHeight, waterfallRows, type JaegerSpan, type JaegerTrace } from '../../src/observability/trace-waterfall';

const T0 = 1_800_000_000_000_000; // µs since the epoch

function span(spanID: string, operationName: string, startMs: number, durationMs: number, parent?: string, tags: Record<string, string | number | boolean> = {}): JaegerSpan {
  return {
    traceID: 'abc',
    spanID,
    operationName,
    references: parent === undefined ? [] : [{ refType: 'CHILD_OF', traceID: 'abc', spanID: parent }],
    startTime: T0 + startMs * 1000,
    duration: durationMs * 1000,
    tags: Object.entries(tags).map(([key, value]) => ({ key, type: typeof value === 'number' ? 'int64' : typeof value === 'boolean' ? 'bool' : 'string', value })),
    processID: 'p1',
  };
}

/** Jaeger's API lists spans in no useful order: shuffled here on purpose. */
const trace: JaegerTrace = {
  traceID: 'abc',
  processes: { p1: { serviceName: 'durable-agent', tags: [] } },
  spans: [
    span('tool', 'execute_tool list_dir', 600, 100, 'act', { 'gen_ai.tool.name': 'list_dir', 'gen_ai.tool.call.id': 's1-1' }),
    span('wf', 'RunWorkflow:agentWorkflow', 100, 900, 'root'),
    span('chat', 'chat gpt-x', 200, 300, 'wf', { 'gen_ai.request.model': 'gpt-x', 'gen_ai.usage.input_tokens': 1004, 'gen_ai.usage.output_tokens': 28 }),
    span('root', 'StartWorkflow:agentWorkflow', 0, 1000),
    span('act', 'RunActivity:list_dir', 550, 200, 'wf', { 'error': true, 'error.type': 'ToolTimeout' }),
  ],
};

/** The rendered rows, in page order: name, indentation, bar position and width (percent), duration label, chips. */
function rowsOf(html: string) {
  const pattern =
    /<div class="row[^"]*"[^>]*><div class="label" style="padding-left:(\d+)px"><div class="name">(.*?)<span.*?<div class="chips">(.*?)<\/div>.*?<div class="bar ([a-z]+)" style="left:([\d.]+)%;width:([\d.]+)%"><span[^>]*>(.*?)<\/span>/g;
  return [...html.matchAll(pattern)].map(([, indent, name, chips, kind, left, width, label]) => ({
    indent: Number(indent),
    name,
    chips: [...(chips ?? '').matchAll(/<span class="chip[^"]*">(.*?)<\/span>/g)].map((match) => match[1]),
    kind,
    left: Number(left),
    width: Number(width),
    label,
  }));
}

describe('waterfallRows', () => {
  it('lists each span after its parent, depth first, siblings by start time', () => {
    expect(waterfallRows(trace).map(({ span: item, depth }) => [item.spanID, depth])).toEqual([
      ['root', 0],
      ['wf', 1],
      ['chat', 2],
      ['act', 2],
      ['tool', 3],
    ]);
  });

  it('makes a span whose parent is missing a root, and lists every span of a reference cycle once', () => {
    const orphan = { ...trace, spans: [span('x', 'x', 5, 1, 'gone'), span('a', 'a', 0, 1, 'b'), span('b', 'b', 1, 1, 'a')] };
    expect(waterfallRows(orphan).map(({ span: item, depth }) => [item.spanID, depth])).toEqual([
      ['x', 0],
      ['a', 0],
      ['b', 1],
    ]);
  });
});

describe('renderTraceWaterfall', () => {
  const html = renderTraceWaterfall(trace);
  const rows = rowsOf(html);

  it('draws one row per span in parent order, indented by depth', () => {
    expect(rows.map((row) => [row.name, row.indent])).toEqual([
      ['StartWorkflow:agentWorkflow', 12],
      ['RunWorkflow:agentWorkflow', 30],
      ['chat gpt-x', 48],
      ['RunActivity:list_dir', 48],
      ['execute_tool list_dir', 66],
    ]);
  });

  it('places and sizes bars in proportion to start and duration over the whole trace', () => {
    expect(rows.map((row) => [row.left, row.width, row.label])).toEqual([
      [0, 100, '1 s'],
      [10, 90, '900 ms'],
      [20, 30, '300 ms'],
      [55, 20, '200 ms'],
      [60, 10, '100 ms'],
    ]);
  });

  it('shows the key attributes and draws an error span in red', () => {
    expect(rows.map((row) => [row.kind, row.chips])).toEqual([
      ['workflow', []],
      ['workflow', []],
      ['chat', ['model gpt-x', 'tokens 1004 in / 28 out']],
      ['error', ['error ToolTimeout']],
      ['tool', ['tool list_dir', 'call s1-1']],
    ]);
    expect(html).toContain('<div class="row failed"');
    expect(html).toContain('<span class="chip red">error ToolTimeout</span>');
    expect(html).toContain('5 spans · service durable-agent · 1 s');
  });

  it('draws a long stretch with no span open as a narrow band and keeps one scale for every bar', () => {
    // 10 ms, then 890 ms with nothing open (a worker starting), then 100 ms: the band takes 8% of the axis.
    const gapped: JaegerTrace = { ...trace, spans: [span('a', 'client', 0, 10), span('b', 'worker', 900, 100), span('c', 'child', 950, 50, 'b')] };
    const page = renderTraceWaterfall(gapped);
    const scale = 92 / 110; // percent per ms of shown time
    expect(rowsOf(page).map((row) => [row.left, row.width])).toEqual([
      [0, Number((10 * scale).toFixed(3))],
      [Number((10 * scale + 8).toFixed(3)), Number((100 * scale).toFixed(3))],
      [Number((60 * scale + 8).toFixed(3)), Number((50 * scale).toFixed(3))],
    ]);
    expect(page).toContain(`<div class="gap" style="left:${(10 * scale).toFixed(3)}%;width:8%"><span>890 ms gap</span></div>`);
    expect(page).toContain('hatched: 890 ms with no span open, drawn narrow');
    // No stretch of the fixture is idle for a fifth of the trace: nothing collapsed there.
    expect(html).not.toContain('class="gap"');
  });

  it('escapes every text that comes from the trace and loads nothing from outside', () => {
    const hostile: JaegerTrace = {
      traceID: '<b>id</b>',
      processes: { p1: { serviceName: 'svc"><script>alert(1)</script>', tags: [] } },
      spans: [span('s', '<img src=x onerror=alert(1)>', 0, 1, undefined, { 'gen_ai.tool.name': "it's & <that>" })],
    };
    const page = renderTraceWaterfall(hostile);
    expect(page).not.toMatch(/<(script|img|b>)/);
    expect(page).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(page).toContain('tool it&#39;s &#38; &#60;that&#62;');
    expect(page).toContain('svc&#34;&#62;&#60;script&#62;');
    expect(page).not.toMatch(/(src|href)=["']?(https?:|\/\/)|@import|url\(/);
  });

  it('says how tall the page is: a header, one row per span, a footer', () => {
    expect(waterfallHeight(trace) - waterfallHeight({ ...trace, spans: trace.spans.slice(0, 4) })).toBe(44);
    expect(html).toContain('.row{position:relative;height:44px');
  });
});
