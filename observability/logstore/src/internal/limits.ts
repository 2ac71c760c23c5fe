// Per-tenant limits, named and defaulted as Loki's limits_config names and defaults them.

export interface Limits {
  /** Loki `max_line_size`: longest accepted line in bytes; 0 disables. @default 262144 (256KB) */
  max_line_size: number;
  /**
   * Loki `max_line_size_truncate`: a line over `max_line_size` is cut to that size (on a UTF-8
   * character boundary) and stored, instead of rejected. @default false
   */
  max_line_size_truncate: boolean;
  /** Loki `max_label_names_per_series`. @default 15 */
  max_label_names_per_series: number;
  /** Loki `max_label_name_length`. @default 1024 */
  max_label_name_length: number;
  /** Loki `max_label_value_length`. @default 2048 */
  max_label_value_length: number;
  /**
   * Loki `max_global_streams_per_user`: ACTIVE streams per tenant (an entry received within
   * `chunk_idle_period_ms`); 0 disables. @default 5000
   */
  max_global_streams_per_user: number;
  /**
   * Loki's ingester `chunk_idle_period`, in ms: a stream that has received no entry for this long
   * leaves the active set (its data stays queryable); 0 keeps every stream active forever.
   * @default 1800000 (30m)
   */
  chunk_idle_period_ms: number;
  /** Loki `ingestion_rate_mb`: sustained ingest per tenant in MB/s (line bytes). @default 4 */
  ingestion_rate_mb: number;
  /** Loki `ingestion_burst_size_mb`: token-bucket size per tenant in MB. @default 6 */
  ingestion_burst_size_mb: number;
  /** Loki `max_query_series`: most series a metric query may return. @default 500 */
  max_query_series: number;
  /** Loki `max_entries_limit_per_query`: highest accepted `limit` of a log query. @default 5000 */
  max_entries_limit_per_query: number;
  /**
   * Loki `query_timeout` in ms: each query's deadline, counted from its arrival (time spent waiting for a
   * turn included); a query past it stops at its next check and is answered 504. @default 60000 (1m)
   */
  query_timeout_ms: number;
  /**
   * Loki `max_query_length` in ms: the longest time range (end - start) a query_range, labels, series,
   * index stats or volume request may span; 0 disables. @default 2595600000 (721h)
   */
  max_query_length_ms: number;
  /**
   * Loki `max_query_parallelism`: queries of one tenant that run at once (a query is one unit of work
   * here, not split); the rest wait their turn. 0 disables querying, as in Loki. @default 32
   */
  max_query_parallelism: number;
  /**
   * Loki's query-scheduler `max_outstanding_requests_per_tenant`: queries of one tenant that may wait for
   * a turn; one more is refused 429 at once. @default 2048
   */
  max_outstanding_requests_per_tenant: number;
  /**
   * How long a query waits for a turn before it is refused 429 (never past its deadline); Loki's queue
   * waits up to `query_timeout`, a shorter wait tells a client early that the store is busy. @default 10000 (10s)
   */
  max_queue_wait_ms: number;
  /** Loki `reject_old_samples_max_age` in ms (with `reject_old_samples: true`). @default 604800000 (1w) */
  reject_old_samples_max_age_ms: number;
  /** Loki `creation_grace_period` in ms: how far in the future a timestamp may be. @default 600000 (10m) */
  creation_grace_period_ms: number;
  /**
   * Out-of-order window in ms: an entry older than the stream's newest entry by more than this is
   * rejected ("entry too far behind"); Loki uses half of `max_chunk_age` (2h). @default 3600000 (1h)
   */
  out_of_order_window_ms: number;
  /** Loki `max_structured_metadata_entries_count`. @default 128 */
  max_structured_metadata_entries_count: number;
  /** Loki `max_structured_metadata_size` in bytes. @default 65536 (64KB) */
  max_structured_metadata_size: number;
}

export const DEFAULT_LIMITS: Limits = {
  max_line_size: 256 * 1024,
  max_line_size_truncate: false,
  max_label_names_per_series: 15,
  max_label_name_length: 1024,
  max_label_value_length: 2048,
  max_global_streams_per_user: 5000,
  chunk_idle_period_ms: 30 * 60_000,
  ingestion_rate_mb: 4,
  ingestion_burst_size_mb: 6,
  max_query_series: 500,
  max_entries_limit_per_query: 5000,
  query_timeout_ms: 60_000,
  max_query_length_ms: 721 * 3600_000,
  max_query_parallelism: 32,
  max_outstanding_requests_per_tenant: 2048,
  max_queue_wait_ms: 10_000,
  reject_old_samples_max_age_ms: 7 * 24 * 3600_000,
  creation_grace_period_ms: 600_000,
  out_of_order_window_ms: 3600_000,
  max_structured_metadata_entries_count: 128,
  max_structured_metadata_size: 64 * 1024,
};

/** A token bucket per tenant for the ingestion rate limit (bytes). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limitsFor: (tenant: string) => Limits) {}

  /** Takes `bytes` from the tenant's bucket; false (and nothing taken) when it would overdraw. */
  take(tenant: string, bytes: number, now = Date.now()): boolean {
    const l = this.limitsFor(tenant);
    const rate = l.ingestion_rate_mb * 1024 * 1024;
    const burst = l.ingestion_burst_size_mb * 1024 * 1024;
    if (rate <= 0) return true;
    let b = this.buckets.get(tenant);
    if (!b) {
      b = { tokens: burst, at: now };
      this.buckets.set(tenant, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    // A single request larger than the burst can never pass; Loki rejects it too.
    if (bytes > b.tokens) return false;
    b.tokens -= bytes;
    return true;
  }
}
