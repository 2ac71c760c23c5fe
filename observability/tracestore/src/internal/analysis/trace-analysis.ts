// What a console shows for one trace: the span tree in display order (depth, parent, missing parents), the
// critical path, and the service calls inside the trace. Times are Unix nanoseconds as decimal strings.
// The analysis is bounded: a trace with more spans than the cap is analysed on its first spans by start time
// (the store reads no more than that), and the answer says so (`truncated`, and a warning).
import { int64ToBigInt } from '@opsight/contracts/codecs';
import type { DecodedTrace } from '../query/decoded-trace.js';
import { jaegerTraceId } from '../query/jaeger-json.js';
import { criticalPath } from './critical-path.js';
import { type ServiceEdge, serviceGraph } from './service-graph.js';
import { buildSpanTree, type TreeNode, type TreeSpanInput } from './span-tree.js';

export interface AnalyzedSpan {
  spanID: string;
  parentSpanID: string | null;
  depth: number;
  service: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationNanos: string;
  statusCode: number;
  missingParent: boolean;
  childCount: number;
  /** Nanoseconds of this span on the critical path. */
  criticalNanos: string;
}

/** Most spans of one trace that an analysis covers. @default 10000 */
export const defaultMaxAnalysisSpans = 10_000;

export interface TraceAnalysis {
  traceID: string;
  /** Spans of the trace as stored. */
  spanCount: number;
  /** Spans analysed: all of them, or the first `maxSpans` by start time when `truncated`. */
  analyzedSpanCount: number;
  /** Whether the trace has more spans than the analysis covers. */
  truncated: boolean;
  services: string[];
  startTimeUnixNano: string;
  durationNanos: string;
  /** Spans in tree order (depth first, children by start time). */
  spans: AnalyzedSpan[];
  missingParentIds: string[];
  criticalPath: {
    spanID: string;
    service: string;
    name: string;
    startTimeUnixNano: string;
    endTimeUnixNano: string;
  }[];
  dependencies: ServiceEdge[];
  /** As the trace's Jaeger `warnings` (spans dropped over the per-trace limit), and the truncation. */
  warnings: string[];
}

interface Input extends TreeSpanInput {
  statusCode: number;
}

function byStartNs(a: Input, b: Input): number {
  return a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0;
}

/** Analyses the trace on its first `maxSpans` spans by start time. */
export function analyzeTrace(trace: DecodedTrace, maxSpans = defaultMaxAnalysisSpans): TraceAnalysis {
  const all: Input[] = trace.spans.map(({ stored, message }) => {
    const startNs = int64ToBigInt(message.startTimeUnixNano);
    return {
      spanId: stored.spanId.toString('hex'),
      parentSpanId: stored.parentSpanId ? stored.parentSpanId.toString('hex') : null,
      service: stored.service,
      name: stored.name,
      startNs,
      endNs: int64ToBigInt(message.endTimeUnixNano),
      statusCode: stored.statusCode,
    };
  });
  const spanCount = Math.max(trace.storedSpans, all.length);
  const inputs = all.length > maxSpans ? all.sort(byStartNs).slice(0, maxSpans) : all;
  const truncated = inputs.length < spanCount;
  const tree = buildSpanTree(inputs);
  const path = criticalPath(tree.roots);
  const critical = new Map<string, bigint>();
  for (const s of path) critical.set(s.spanId, (critical.get(s.spanId) ?? 0n) + (s.endNs - s.startNs));
  const spans: AnalyzedSpan[] = [];
  // Depth first without recursion: a 10,000-deep chain must not exhaust the stack.
  const pending: TreeNode<Input>[] = [...tree.roots].reverse();
  for (let node = pending.pop(); node; node = pending.pop()) {
    const { span } = node;
    spans.push({
      spanID: span.spanId,
      parentSpanID: span.parentSpanId,
      depth: node.depth,
      service: span.service,
      name: span.name,
      startTimeUnixNano: span.startNs.toString(),
      endTimeUnixNano: span.endNs.toString(),
      durationNanos: (span.endNs - span.startNs).toString(),
      statusCode: span.statusCode,
      missingParent: node.missingParent,
      childCount: node.children.length,
      criticalNanos: (critical.get(span.spanId) ?? 0n).toString(),
    });
    for (let i = node.children.length - 1; i >= 0; i--) pending.push(node.children[i]!);
  }
  let start = inputs[0]?.startNs ?? 0n;
  let end = inputs[0]?.endNs ?? 0n;
  for (const s of inputs) {
    if (s.startNs < start) start = s.startNs;
    if (s.endNs > end) end = s.endNs;
  }
  return {
    traceID: jaegerTraceId(trace.traceId).padStart(32, '0'),
    spanCount,
    analyzedSpanCount: inputs.length,
    truncated,
    services: [...new Set(inputs.map((s) => s.service))].sort(),
    startTimeUnixNano: start.toString(),
    durationNanos: (end - start).toString(),
    spans,
    missingParentIds: tree.missingParentIds,
    criticalPath: path.map((s) => ({
      spanID: s.spanId,
      service: s.service,
      name: s.name,
      startTimeUnixNano: s.startNs.toString(),
      endTimeUnixNano: s.endNs.toString(),
    })),
    dependencies: serviceGraph(inputs),
    warnings: truncated
      ? [
          ...trace.warnings,
          `analysis truncated: the first ${inputs.length} of ${spanCount} spans by start time were analysed (--max-analysis-spans)`,
        ]
      : [...trace.warnings],
  };
}
