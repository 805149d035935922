/** Reading spans back from Jaeger's query API (`/api/traces`, the JSON the Jaeger UI itself reads). */

import { waterfallRows, type JaegerSpan, type JaegerTag, type JaegerTrace } from '../../../src/observability/trace-waterfall';

export type { JaegerSpan, JaegerTag, JaegerTrace };

/** The traces of `service` Jaeger holds (the last hour). */
export async function tracesOf(queryUrl: string, service: string, limit = 20): Promise<JaegerTrace[]> {
  const url = `${queryUrl}/api/traces?service=${encodeURIComponent(service)}&limit=${limit}&lookback=1h`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { data: JaegerTrace[] | null };
  return body.data ?? [];
}

/** The services Jaeger has received spans from. */
export async function servicesOf(queryUrl: string): Promise<string[]> {
  const response = await fetch(`${queryUrl}/api/services`, { signal: AbortSignal.timeout(5_000) });
  const body = (await response.json()) as { data: string[] | null };
  return body.data ?? [];
}

export function tag(span: JaegerSpan, key: string): JaegerTag['value'] | undefined {
  return span.tags.find((item) => item.key === key)?.value;
}

/** The span's parent (its CHILD_OF reference), if it is in `spans`. */
export function parentOf(span: JaegerSpan, spans: JaegerSpan[]): JaegerSpan | undefined {
  const reference = span.references.find((item) => item.refType === 'CHILD_OF');
  return reference ? spans.find((candidate) => candidate.spanID === reference.spanID) : undefined;
}

/** The span's ancestors, nearest first. */
export function ancestorsOf(span: JaegerSpan, spans: JaegerSpan[]): JaegerSpan[] {
  const chain: JaegerSpan[] = [];
  for (let parent = parentOf(span, spans); parent && !chain.includes(parent); parent = parentOf(parent, spans)) chain.push(parent);
  return chain;
}

/** Attributes worth showing beside a span in the tree (the GenAI ones, and which workflow, activity and attempt). */
const SHOWN_TAGS = /^(gen_ai\.|temporal(WorkflowId|ActivityId)$|.*attempt.*$|error$|otel\.status_code$)/;

/**
 * The trace as Jaeger's timeline view lays it out, in text: one line per span, indented under its parent, ordered by
 * start time, with its service, start offset, duration and GenAI attributes.
 */
export function renderTrace(trace: JaegerTrace): string {
  const start = Math.min(...trace.spans.map((span) => span.startTime));
  const lines = waterfallRows(trace).map(({ span, depth }) => {
    const service = trace.processes[span.processID]?.serviceName ?? '?';
    const attributes = span.tags
      .filter((item) => SHOWN_TAGS.test(item.key))
      .map((item) => `${item.key}=${String(item.value)}`)
      .join(' ');
    const at = ((span.startTime - start) / 1000).toFixed(1);
    const took = (span.duration / 1000).toFixed(1);
    return `${'  '.repeat(depth)}${span.operationName}  [${service}]  +${at} ms, ${took} ms${attributes ? `  ${attributes}` : ''}`;
  });
  return `trace ${trace.traceID}: ${trace.spans.length} spans\n${lines.join('\n')}\n`;
}
