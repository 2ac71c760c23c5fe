// The critical path of a trace: the chain of work that determined its end-to-end latency. Walking back from
// the end of a span, the child that finished last before the current point is on the path; time no child
// covers is the span's own. Children are clipped to their parent (clock skew, async work after the parent).
// The walk keeps its own stack (no recursion), so a 10,000-deep chain of spans is fine.
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

interface Frame<T extends TreeSpanInput> {
  node: TreeNode<T>;
  /** The point walked back to so far in this span. */
  cursor: bigint;
  /** Children, the last to finish first. */
  children: TreeNode<T>[];
  next: number;
}

function frame<T extends TreeSpanInput>(node: TreeNode<T>, until: bigint): Frame<T> {
  const children = [...node.children].sort((a, b) => (a.span.endNs > b.span.endNs ? -1 : 1));
  return { node, cursor: earlier(node.span.endNs, until), children, next: 0 };
}

function walk<T extends TreeSpanInput>(root: TreeNode<T>, out: CriticalPathSegment[]): void {
  const segment = (span: T, startNs: bigint, endNs: bigint): void => {
    if (endNs > startNs) {
      out.push({ spanId: span.spanId, service: span.service, name: span.name, startNs, endNs });
    }
  };
  const stack: Frame<T>[] = [frame(root, root.span.endNs)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const { span } = top.node;
    let descended = false;
    while (top.next < top.children.length && top.cursor > span.startNs) {
      const child = top.children[top.next++]!;
      if (child.span.startNs >= top.cursor) continue;
      const childEnd = earlier(child.span.endNs, top.cursor);
      segment(span, childEnd, top.cursor);
      top.cursor = later(child.span.startNs, span.startNs);
      stack.push(frame(child, childEnd));
      descended = true;
      break;
    }
    if (descended) continue;
    segment(span, span.startNs, top.cursor);
    stack.pop();
  }
}

/** Segments of the critical path from the longest root, ordered by start time. */
export function criticalPath<T extends TreeSpanInput>(roots: TreeNode<T>[]): CriticalPathSegment[] {
  let root: TreeNode<T> | undefined;
  for (const node of roots) {
    if (!root || node.span.endNs - node.span.startNs > root.span.endNs - root.span.startNs) root = node;
  }
  if (!root) return [];
  const out: CriticalPathSegment[] = [];
  walk(root, out);
  return out.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
}
