// @opsight/telemetry/admin: the admin server every component serves (metrics and probes). It loads no
// tracing: a process that only serves metrics imports this and nothing else of the SDK.
export type {
  AdminOptions,
  AdminReply,
  AdminRoute,
  AdminRouteReply,
  HealthCheck,
  HealthChecks,
  WeightedHealthCheck,
} from './admin-endpoints.js';
export { ADMIN_METHODS, AdminEndpoints } from './admin-endpoints.js';
export type { FastifyAdminOptions } from './fastify.js';
export { fastifyAdmin } from './fastify.js';
export type { ExpositionRenderer, MetricsSource, PromRegistryLike } from './metrics-exposition.js';
export { renderExposition } from './metrics-exposition.js';
export type { AdminListenOptions, AdminRequestHandler, AdminServer } from './node-http.js';
export { adminRequestHandler, startAdminServer } from './node-http.js';
