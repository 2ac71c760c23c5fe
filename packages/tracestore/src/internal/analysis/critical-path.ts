// The critical path of a trace: the chain of work that determined its end-to-end latency. Walking back from
// the end of a span, the child that finished last before the current point is on the path; time no child
// covers is the span's own. Children are clipped to their parent (clock skew, async work after the parent).
import type { TreeNode, TreeSpanInput } from './span-tree.js';

export interface CriticalPathSegment {
  spanId: string;
  service: string;
  name: string;
  /** Segment bounds in Unix nanoseconds. */
  startNs: bigint;
  endNs: bigint;
}

function earlier(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}

function later(a: bigint, b: bigint): bigint {
  if (a > b) return a;
  return b;
}

function walk<T extends TreeSpanInput>(node: TreeNode<T>, until: bigint, out: CriticalPathSegment[]): void {
  const { span } = node;
  const segment = (startNs: bigint, endNs: bigint): void => {
    if (endNs > startNs) {
      out.push({ spanId: span.spanId, service: span.service, name: span.name, startNs, endNs });
    }
  };
  let cursor = earlier(span.endNs, until);
  const children = [...node.children].sort((a, b) => (a.span.endNs > b.span.endNs ? -1 : 1));
  for (const child of children) {
    if (cursor <= span.startNs) break;
    if (child.span.startNs >= cursor) continue;
    const childEnd = earlier(child.span.endNs, cursor);
    segment(childEnd, cursor);
    walk(child, childEnd, out);
    cursor = later(child.span.startNs, span.startNs);
  }
  segment(span.startNs, cursor);
}

/** Segments of the critical path from the longest root, ordered by start time. */
export function criticalPath<T extends TreeSpanInput>(roots: TreeNode<T>[]): CriticalPathSegment[] {
  let root: TreeNode<T> | undefined;
  for (const node of roots) {
    if (!root || node.span.endNs - node.span.startNs > root.span.endNs - root.span.startNs) root = node;
  }
  if (!root) return [];
  const out: CriticalPathSegment[] = [];
  walk(root, root.span.endNs, out);
  return out.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
}
