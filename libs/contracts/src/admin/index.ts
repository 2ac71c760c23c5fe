/**
 * The admin endpoints every Opsight component serves on its metrics port: what Prometheus scrapes and
 * what the supervisor, Kubernetes and compose probe. Deployers import these paths; nothing retypes them.
 */
export const ADMIN_PATHS = {
  /** Prometheus text exposition of the component's metrics. */
  metrics: '/metrics',
  /** Liveness: 200 while the process serves; a failure means restart it. */
  live: '/healthz',
  /** Readiness: 200 once the component can do its work (dependencies reachable, state loaded). */
  ready: '/readyz',
} as const;

/** One of the admin endpoints. */
export type AdminPath = (typeof ADMIN_PATHS)[keyof typeof ADMIN_PATHS];
