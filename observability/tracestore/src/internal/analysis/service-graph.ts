// Service dependency edges of one trace: a span whose parent belongs to another service is one call from the
// parent's service to the span's service.
import type { TreeSpanInput } from './span-tree.js';

export interface ServiceEdge {
  parent: string;
  child: string;
  callCount: number;
}

export function serviceGraph(spans: TreeSpanInput[]): ServiceEdge[] {
  const services = new Map<string, string>();
  for (const span of spans) services.set(span.spanId, span.service);
  const edges = new Map<string, ServiceEdge>();
  for (const span of spans) {
    const parentService = span.parentSpanId ? services.get(span.parentSpanId) : undefined;
    if (parentService === undefined || parentService === span.service) continue;
    const key = `${parentService}\0${span.service}`;
    const edge = edges.get(key);
    if (edge) edge.callCount++;
    else edges.set(key, { parent: parentService, child: span.service, callCount: 1 });
  }
  return [...edges.values()].sort(
    (a, b) => a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child),
  );
}
