// The store's error codes, one catalogue: each with its HTTP status (Loki's status for the same
// condition) and what it means. Responses carry the code, the offending field and Loki's message.

export const ERROR_CODES = {
  // Push: the whole request is rejected, nothing stored.
  INVALID_JSON: { status: 400, means: 'the body is not valid JSON or not a push request' },
  INVALID_TIMESTAMP: { status: 400, means: 'a timestamp is not a string of unix epoch nanoseconds' },
  INVALID_PROTOBUF: { status: 400, means: 'the body is not a valid protobuf push request' },
  INVALID_SNAPPY: { status: 400, means: 'the protobuf body is not valid snappy block data' },
  INVALID_GZIP: { status: 400, means: 'Content-Encoding is gzip but the body is not' },
  INVALID_COMPRESSION: { status: 400, means: 'Content-Encoding is deflate or zstd but the body is not' },
  UNSUPPORTED_ENCODING: {
    status: 415,
    means: 'a Content-Encoding other than gzip, deflate, zstd (where Node has it) or identity',
  },
  REQUEST_BODY_TOO_LARGE: {
    status: 413,
    means: 'the body is over the size limit (maxBodyBytes), on the wire or once decompressed',
  },
  RATE_LIMITED: { status: 429, means: 'over the tenant ingestion rate (ingestion_rate_mb, burst)' },
  // Push: one stream or entry rejected, the valid rest stored (Loki's partial-batch rule).
  INVALID_LABELS: { status: 400, means: 'a label set that does not parse, or an invalid label name' },
  MISSING_LABELS: { status: 400, means: 'a stream without labels' },
  DUPLICATE_LABEL_NAMES: { status: 400, means: 'a label name twice in one label set' },
  MAX_LABEL_NAMES_PER_SERIES: { status: 400, means: 'more labels than max_label_names_per_series' },
  LABEL_NAME_TOO_LONG: { status: 400, means: 'a label name over max_label_name_length' },
  LABEL_VALUE_TOO_LONG: { status: 400, means: 'a label value over max_label_value_length' },
  LINE_TOO_LONG: { status: 400, means: 'a line over max_line_size' },
  TIMESTAMP_TOO_OLD: { status: 400, means: 'older than reject_old_samples_max_age' },
  TIMESTAMP_TOO_NEW: { status: 400, means: 'further in the future than creation_grace_period' },
  ENTRY_TOO_FAR_BEHIND: {
    status: 400,
    means: "further behind the stream's newest entry than the out-of-order window",
  },
  STRUCTURED_METADATA_TOO_MANY: { status: 400, means: 'more than max_structured_metadata_entries_count' },
  STRUCTURED_METADATA_TOO_LARGE: { status: 400, means: 'more than max_structured_metadata_size' },
  INVALID_STRUCTURED_METADATA: { status: 400, means: 'a structured metadata name that is not a label name' },
  STREAM_LIMIT: { status: 429, means: 'a new stream over max_global_streams_per_user' },
  // Queries.
  MISSING_QUERY: { status: 400, means: 'no query parameter' },
  INVALID_QUERY: { status: 400, means: 'the query does not parse' },
  UNSUPPORTED_QUERY: { status: 400, means: 'a LogQL construct the engine does not implement (named)' },
  LOG_QUERY_NOT_INSTANT: { status: 400, means: 'a log query sent to the instant query endpoint' },
  INVALID_PARAMETER: { status: 400, means: 'a time, duration, limit or direction that does not parse' },
  INVALID_RANGE: { status: 400, means: 'end before start' },
  INVALID_STEP: { status: 400, means: 'a step of zero or less' },
  TOO_MANY_POINTS: { status: 400, means: 'more than 11,000 steps' },
  MAX_ENTRIES_LIMIT: { status: 400, means: 'limit over max_entries_limit_per_query' },
  MAX_QUERY_SERIES: { status: 400, means: 'more series than max_query_series' },
  MANY_TO_MANY: { status: 400, means: 'a vector match that is not one-to-one without group_left/right' },
  PIPELINE_ERROR: { status: 400, means: 'metric query samples with __error__ (filter them)' },
  QUERY_TIMEOUT: { status: 504, means: 'the query ran past query_timeout' },
  QUERY_TOO_LONG: { status: 400, means: 'a time range longer than max_query_length' },
  QUERYING_DISABLED: { status: 400, means: 'max_query_parallelism is 0 for the tenant' },
  TOO_MANY_OUTSTANDING_REQUESTS: {
    status: 429,
    means: 'max_outstanding_requests_per_tenant queries of the tenant already wait for a turn',
  },
  QUERY_QUEUE_TIMEOUT: {
    status: 429,
    means: 'the query waited max_queue_wait_ms (or until its deadline) without a turn; retry later',
  },
  QUERY_CANCELLED: { status: 499, means: 'the client went away before the answer; the query was stopped' },
  MISSING_MATCH: { status: 400, means: '/series without match[]' },
  INVALID_MATCH: { status: 400, means: 'a match[] that is not a stream selector' },
  // Rules (the ruler's API).
  INVALID_RULE_GROUP: {
    status: 400,
    means: 'a rule group body that does not parse or validate; `problems` name the group, rule and position',
  },
  RULE_LIMIT: {
    status: 400,
    means: 'more rule groups per tenant, or rules per group, than the ruler allows',
  },
  INVALID_NAMESPACE: { status: 400, means: 'a rule namespace that cannot be a file name' },
  RULE_GROUP_NOT_FOUND: { status: 404, means: 'no such rule group (or namespace, or no rule group at all)' },
  RULER_DISABLED: { status: 404, means: 'the store runs without a ruler (no --rules-dir)' },
  // Storage.
  STORAGE_FULL: {
    status: 503,
    means:
      'the disk is full (SQLITE_FULL, ENOSPC): nothing of the request was stored; retry after Retry-After',
  },
  STORAGE_IO_ERROR: {
    status: 503,
    means: 'the database could not be written (SQLITE_IOERR): nothing of the request was stored; retry',
  },
  // Access.
  NO_ORG_ID: { status: 401, means: 'multi-tenant mode and no X-Scope-OrgID' },
  INVALID_TENANT: { status: 400, means: 'a tenant id with characters Loki does not allow' },
  MULTIPLE_TENANTS: { status: 400, means: 'several tenants where one is required' },
  UNAUTHORIZED: { status: 401, means: 'missing or wrong bearer token' },
  TENANT_MISMATCH: {
    status: 403,
    means: 'X-Scope-OrgID names another tenant than the one the bearer token belongs to (--auth-tokens-file)',
  },
  METHOD_NOT_ALLOWED: { status: 405, means: 'wrong HTTP method for the path' },
  NOT_FOUND: { status: 404, means: 'no such path' },
  INTERNAL: { status: 500, means: 'a bug: the request could not be served' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
