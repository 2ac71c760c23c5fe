import type { FastifyPluginCallback } from 'fastify';
import type { AdminEndpoints, AdminOptions } from './admin-endpoints.js';
import { toAdminEndpoints } from './to-admin-endpoints.js';

/** Options of {@link fastifyAdmin}. */
export interface FastifyAdminOptions {
  /** The endpoints to serve, or the options to build them from. */
  admin: AdminEndpoints | AdminOptions;
}

/**
 * Fastify plugin: the admin paths on a component's existing Fastify app, every method routed to them so
 * that anything but GET and HEAD gets the admin server's 405. Install `@opsight/http-guard` on the root
 * instance, as every Opsight app does; its hooks run before these routes.
 */
export const fastifyAdmin: FastifyPluginCallback<FastifyAdminOptions> = (app, options, done) => {
  const endpoints = toAdminEndpoints(options.admin);
  for (const path of endpoints.paths) {
    app.all(path, async (request, reply) => {
      const out = await endpoints.respond(request.method, path, request.headers.accept);
      if (!out) return reply.callNotFound();
      return reply.code(out.status).headers(out.headers).send(out.body);
    });
  }
  done();
};
