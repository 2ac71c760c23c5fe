import type { Tree } from '@lezer/common';

/** Where a query stops parsing: 0-based character offset, and a one-line message. */
export interface QuerySyntaxError {
  offset: number;
  message: string;
}

/** The first error node of a lezer parse tree, or undefined when the query parses. */
export function firstSyntaxError(query: string, tree: Tree): QuerySyntaxError | undefined {
  let found: QuerySyntaxError | undefined;
  tree.iterate({
    enter(node) {
      if (found) return false;
      if (node.type.isError) {
        const near = query.slice(node.from, node.from + 20);
        found = {
          offset: node.from,
          message:
            node.from >= query.length
              ? `unexpected end of query at ${node.from}`
              : `unexpected ${JSON.stringify(near)} at ${node.from}`,
        };
        return false;
      }
      return undefined;
    },
  });
  return found;
}
