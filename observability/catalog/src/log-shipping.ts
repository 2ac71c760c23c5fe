/**
 * Stream labels that come from where a line was written, not from the line: the Kubernetes namespace,
 * the app (pod label `app.kubernetes.io/name`, else `app`, else the container name), the container and
 * the pod. Every collector sets them from its own discovery (Kubernetes metadata, Docker's compose
 * attributes, the local pod directories).
 */
export type LogOriginLabel = 'namespace' | 'app' | 'container' | 'pod';

/**
 * How a JSON log line becomes a Loki entry: which values are stream labels (few, bounded: they name a
 * stream and are indexed) and which are structured metadata (per request, unbounded: stored beside the
 * line, filterable, never an index). The local collector applies it at runtime; the Alloy and Promtail
 * configurations are generated from it (`npm run gen`).
 */
export interface LogShippingRule {
  /** Labels taken from the line's origin, in the order collectors set them. */
  readonly originLabels: readonly LogOriginLabel[];
  /**
   * Fields of the line that become stream labels. Only fields with a bounded set of values belong
   * here (`level`: DEBUG, INFO, WARN, ERROR); an unbounded one would create a stream per value.
   */
  readonly fieldLabels: readonly string[];
  /**
   * Fields of the line that become structured metadata (Loki 3, schema v13): request-scoped ids that
   * must never be labels (unbounded cardinality) but that queries filter on (`| trace_id="…"`).
   */
  readonly structuredMetadata: readonly string[];
  /**
   * The field that gives the entry's time (RFC 3339, parsed as RFC3339Nano). When it is missing or does
   * not parse, the entry keeps the time the container runtime recorded.
   */
  readonly timestampField: string;
  /**
   * What happens to the line itself: it is shipped unchanged. No field is dropped or rewritten, so the
   * promoted fields stay readable with `| json` as well, and `span_id` and the event fields are read
   * from the line only.
   */
  readonly line: 'unchanged';
}

/** The rule every log collector of Opsight follows. */
export const LOG_SHIPPING: LogShippingRule = Object.freeze({
  originLabels: Object.freeze(['namespace', 'app', 'container', 'pod'] as const),
  fieldLabels: Object.freeze(['level']),
  structuredMetadata: Object.freeze(['trace_id', 'request_id', 'user_id']),
  timestampField: 'timestamp',
  line: 'unchanged',
});

/** Every stream label a shipped entry can carry: the origin labels, then the field labels. */
export const LOG_STREAM_LABELS: readonly string[] = Object.freeze([
  ...LOG_SHIPPING.originLabels,
  ...LOG_SHIPPING.fieldLabels,
]);

/**
 * The fields a collector extracts from the JSON line (labels, structured metadata, timestamp), each
 * once, in that order.
 */
export const LOG_EXTRACTED_FIELDS: readonly string[] = Object.freeze([
  ...new Set([...LOG_SHIPPING.fieldLabels, ...LOG_SHIPPING.structuredMetadata, LOG_SHIPPING.timestampField]),
]);
