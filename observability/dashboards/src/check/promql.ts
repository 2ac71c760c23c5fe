import { parser } from '@prometheus-io/lezer-promql';
import { firstSyntaxError, type QuerySyntaxError } from './syntax-error.js';

/** Parses PromQL with Prometheus's own grammar; returns the first syntax error, if any. */
export function checkPromQL(query: string): QuerySyntaxError | undefined {
  if (query.trim() === '') return { offset: 0, message: 'empty query' };
  return firstSyntaxError(query, parser.parse(query));
}
