/**
 * Zero rather than "No data" on error, failure and SLO panels. A counter of failures has no series until
 * the first failure (Prometheus has nothing to sum), so a healthy stack would show "No data" exactly where
 * it should show 0. The panel keeps the query as written and adds zeros where the query has no series:
 *
 * - {@link orZeroWhere}: `(<query>) or (0 * <base>)`, a zero-valued copy of a series that exists whenever
 *   the service is observed (the ratio's denominator, the successes of the same model). A panel stays
 *   empty when the service itself is not observed, so a panel over a missing metric still shows it.
 * - With `on`, `(<query>) or on (<labels>) (0 * <base>)`: a panel `by (label)` keeps its series; a zero
 *   series appears only for the label values with no series of their own (a method with no error).
 */

/** The marker every zero-filled query carries (the check in the tests looks for it). */
export const ZERO_FILL = / or (on \([\w, ]+\) )?\(0 \* /;

/**
 * `query` with zeros wherever `base` has a series and `query` has none (matched on `on` when given).
 * @param query the panel's query, unchanged inside
 * @param base a query over series that exist whenever the observed thing does; its labels must be those of
 *   `query` (or, with `on`, contain them)
 * @param on labels to match on; @default all labels of both sides
 */
export function orZeroWhere(query: string, base: string, on?: readonly string[]): string {
  const matching = on ? `on (${on.join(', ')}) ` : '';
  return `(${query}) or ${matching}(0 * ${base})`;
}
