import { checkRequest } from './check-request.js';
import { type GuardOptions, type GuardPolicy, resolveGuardPolicy } from './guard-policy.js';
import { refusalBody } from './refusal.js';

/** The part of a Fastify instance the guard uses (no runtime dependency on Fastify). */
export interface HookableApp {
  addHook(
    name: 'onRequest',
    hook: (
      request: { method: string; url: string; headers: Record<string, string | string[] | undefined> },
      reply: {
        code(status: number): unknown;
        header(name: string, value: string): unknown;
        send(payload: string): unknown;
      },
    ) => Promise<unknown>,
  ): unknown;
}

/**
 * Installs the guard on a Fastify instance as its first `onRequest` hook (call it right after creating the
 * app): a refused request is answered before routing, before any body is parsed.
 */
export function installFastifyGuard(app: HookableApp, options?: GuardOptions): GuardPolicy {
  const policy = resolveGuardPolicy(options);
  app.addHook('onRequest', async (request, reply) => {
    const r = checkRequest(policy, request);
    if (!r) return;
    reply.code(r.status);
    reply.header('content-type', 'application/json');
    reply.header('connection', 'close');
    return reply.send(refusalBody(r));
  });
  return policy;
}
