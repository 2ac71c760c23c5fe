import { parser } from '@grafana/lezer-logql';
import { firstSyntaxError, type QuerySyntaxError } from './syntax-error.js';

/** Parses LogQL with Grafana's grammar; returns the first syntax error, if any. */
export function checkLogQL(query: string): QuerySyntaxError | undefined {
  if (query.trim() === '') return { offset: 0, message: 'empty query' };
  return firstSyntaxError(query, parser.parse(query));
}
