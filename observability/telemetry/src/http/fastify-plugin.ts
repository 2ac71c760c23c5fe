import { context } from '@opentelemetry/api';
import { HEALTH_PROBE_ROUTES } from '@opsight/catalog';
import { ADMIN_PATHS } from '@opsight/contracts/admin';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { runtimeOf, type Telemetry } from '../telemetry.js';
import { HttpServerInstrumentation, type ServerRequestScope } from './server-instrumentation.js';

export interface FastifyTelemetryOptions {
  /** @default the process's telemetry (`getTelemetry()`) */
  telemetry?: Telemetry;
  /**
   * Route templates served without a span, request context or `http_server_*` series besides the admin
   * paths (`/metrics`, `/healthz`, `/readyz`, always left out): health probes and scrapes, which would
   * otherwise fill the trace store and dilute the request-based SLIs. The admin paths themselves are
   * served by `fastifyAdmin` of `@opsight/telemetry/admin`.
   * @default HEALTH_PROBE_ROUTES of @opsight/catalog (/healthz, /readyz, /livez)
   */
  ignoreRoutes?: readonly string[];
}

/** Client went away before the response was complete (nginx's code for it). */
const CLIENT_CLOSED = 499;

const kScope = Symbol('opsight.telemetry.scope');
type Instrumented = FastifyRequest & { [kScope]: ServerRequestScope | null };

const plugin: FastifyPluginCallback<FastifyTelemetryOptions> = (app, options, done) => {
  const runtime = runtimeOf(options.telemetry);
  const http = new HttpServerInstrumentation(runtime);
  const ignored = new Set<string>([
    ...(options.ignoreRoutes ?? HEALTH_PROBE_ROUTES),
    ...Object.values(ADMIN_PATHS),
  ]);

  app.decorateRequest(kScope, null);

  app.addHook('onRequest', (request, reply, next) => {
    const route = request.routeOptions.url;
    if (route !== undefined && ignored.has(route)) return next();
    const scope = http.begin(request.raw, route);
    (request as Instrumented)[kScope] = scope;
    reply.header('x-request-id', scope.request.requestId);
    context.with(scope.context, next);
  });
  // Body parsing runs in the socket's context; enter the request's context again for the handler.
  app.addHook('preHandler', (request, _reply, next) => {
    const scope = (request as Instrumented)[kScope];
    if (scope && context.active() !== scope.context) context.with(scope.context, next);
    else next();
  });
  app.addHook('onError', (request, _reply, error, next) => {
    const scope = (request as Instrumented)[kScope];
    if (scope?.span.isRecording()) scope.span.recordException(error);
    next();
  });
  app.addHook('onResponse', (request, reply, next) => {
    const scope = (request as Instrumented)[kScope];
    if (scope) {
      (request as Instrumented)[kScope] = null;
      http.end(scope, reply.statusCode, request.routeOptions.url);
    }
    next();
  });
  // A client that goes away before the response is complete gets no onResponse: end the span here.
  app.addHook('onRequestAbort', (request, next) => {
    const scope = (request as Instrumented)[kScope];
    if (scope) {
      (request as Instrumented)[kScope] = null;
      http.end(scope, CLIENT_CLOSED, request.routeOptions.url);
    }
    next();
  });

  done();
};

/**
 * Fastify plugin: a server span per request named by route template, request context (request_id from
 * X-Request-ID, echoed back) and `http_server_*` metrics. The admin paths and health-probe routes are
 * left out; a request the client abandons ends its span with status 499.
 */
export const fastifyTelemetry = fp(plugin, { name: '@opsight/telemetry', fastify: '5.x' });
