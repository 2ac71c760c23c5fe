/** Histogram bucket layouts, in seconds, shared by the metric definitions. */

/** Request/response services: 5 ms to 60 s (streamed completions hold a request open for long). */
export const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const;

/** Prometheus client default buckets (go-grpc-prometheus's default) extended for streaming RPCs. */
export const GRPC_HANDLING_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
] as const;

/** End-to-end LLM inference: 50 ms to 5 minutes (long generations take minutes). */
export const INFERENCE_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300] as const;

/** Time to first token: 10 ms to 30 s. */
export const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/** Gap between streamed tokens: 1 ms to 1 s. */
export const INTER_TOKEN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1] as const;

/** Time a request waits in a model queue before it is served: 1 ms to 60 s. */
export const QUEUE_TIME_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60] as const;

/** nginx request time (gateway): 5 ms to 60 s. */
export const GATEWAY_DURATION_BUCKETS = HTTP_DURATION_BUCKETS;
