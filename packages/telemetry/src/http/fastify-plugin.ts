import { context } from '@opentelemetry/api';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { runtimeOf, type Telemetry } from '../telemetry.js';
import { HttpServerInstrumentation, type ServerRequestScope } from './server-instrumentation.js';

export interface FastifyTelemetryOptions {
  /** @default the process's telemetry (`getTelemetry()`) */
  telemetry?: Telemetry;
  /** Path of the metrics endpoint (not traced); `false` for none. @default '/metrics' */
  metricsPath?: string | false;
}

const kScope = Symbol('opsight.telemetry.scope');
type Instrumented = FastifyRequest & { [kScope]: ServerRequestScope | null };

const plugin: FastifyPluginCallback<FastifyTelemetryOptions> = (app, options, done) => {
  const runtime = runtimeOf(options.telemetry);
  const http = new HttpServerInstrumentation(runtime);
  const metricsPath = options.metricsPath ?? '/metrics';

  app.decorateRequest(kScope, null);

  app.addHook('onRequest', (request, reply, next) => {
    const route = request.routeOptions.url;
    if (metricsPath !== false && route === metricsPath) return next();
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
    if (scope) http.end(scope, reply.statusCode, request.routeOptions.url);
    next();
  });

  if (metricsPath !== false) {
    app.get(metricsPath, async (request, reply) => {
      const exposition = await runtime.metrics.render(request.headers.accept);
      return reply.type(exposition.contentType).send(exposition.body);
    });
  }
  done();
};

/**
 * Fastify plugin: a server span per request named by route template, request context (request_id from
 * X-Request-ID, echoed back), `http_server_*` metrics, and `GET /metrics`.
 */
export const fastifyTelemetry = fp(plugin, { name: '@opsight/telemetry', fastify: '5.x' });
