// The span tree of a trace: parent links, roots, and spans whose parent is not (or not yet) stored. Linear in
// the number of spans (plus sorting siblings) and without recursion, so a trace of the store's largest size
// (one 10,000-deep chain, or parent ids in cycles) is analysed in bounded time and stack.
export interface TreeSpanInput {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  startNs: bigint;
  endNs: bigint;
}

export interface TreeNode<T extends TreeSpanInput = TreeSpanInput> {
  span: T;
  depth: number;
  children: TreeNode<T>[];
  /** The span names a parent id that is not in the trace. */
  missingParent: boolean;
}

export interface SpanTree<T extends TreeSpanInput = TreeSpanInput> {
  /** Spans without a parent id, then spans whose parent is missing; each ordered by start time. */
  roots: TreeNode<T>[];
  /** Parent ids referenced by spans but not stored, in order of first reference. */
  missingParentIds: string[];
  byId: Map<string, TreeNode<T>>;
}

function byStart<T extends TreeSpanInput>(a: TreeNode<T>, b: TreeNode<T>): number {
  return a.span.startNs < b.span.startNs ? -1 : a.span.startNs > b.span.startNs ? 1 : 0;
}

export function buildSpanTree<T extends TreeSpanInput>(spans: T[]): SpanTree<T> {
  const byId = new Map<string, TreeNode<T>>();
  for (const span of spans) {
    if (!byId.has(span.spanId)) byId.set(span.spanId, { span, depth: 0, children: [], missingParent: false });
  }
  const roots: TreeNode<T>[] = [];
  const orphans: TreeNode<T>[] = [];
  const missing: string[] = [];
  const missingSet = new Set<string>();
  for (const node of byId.values()) {
    const parentId = node.span.parentSpanId;
    const parent = parentId ? byId.get(parentId) : undefined;
    if (!parentId) roots.push(node);
    else if (!parent || parent === node) {
      node.missingParent = true;
      orphans.push(node);
      if (!missingSet.has(parentId)) {
        missingSet.add(parentId);
        missing.push(parentId);
      }
    } else parent.children.push(node);
  }
  // Spans in a parent cycle are reachable from no root: attach them as orphans so every span is shown once.
  const reached = new Set<TreeNode<T>>();
  const visit = (start: TreeNode<T>, startDepth: number): void => {
    const stack: [TreeNode<T>, number][] = [[start, startDepth]];
    for (let top = stack.pop(); top; top = stack.pop()) {
      const [node, depth] = top;
      if (reached.has(node)) continue;
      reached.add(node);
      node.depth = depth;
      node.children.sort(byStart);
      for (const child of node.children) if (!reached.has(child)) stack.push([child, depth + 1]);
    }
  };
  roots.sort(byStart);
  orphans.sort(byStart);
  for (const node of [...roots, ...orphans]) visit(node, 0);
  for (const node of byId.values()) {
    if (!reached.has(node)) {
      node.missingParent = true;
      // A node is in its own parent's children only.
      const parent = node.span.parentSpanId ? byId.get(node.span.parentSpanId) : undefined;
      if (parent) parent.children = parent.children.filter((c) => c !== node);
      orphans.push(node);
      visit(node, 0);
    }
  }
  return { roots: [...roots, ...orphans], missingParentIds: missing, byId };
}
