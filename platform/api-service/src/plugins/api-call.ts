import { type Context, context } from '@opentelemetry/api';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiKeyRecord } from '../keys/api-key-store.js';

/** The chat completions route. */
export const CHAT_ROUTE = '/v1/chat/completions';
/** The model list route. */
export const MODELS_ROUTE = '/v1/models';
/** The `model_name` label and usage-row model of a request that named no model. */
export const MODEL_NONE = 'none';

/** What the service knows about one API request, for its log line, usage row and metrics. */
export interface ApiCall {
  /** The request's trace context (its server span). */
  ctx: Context;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
  /** The authenticated key's record, once the key is known. */
  key?: ApiKeyRecord;
  /** The model the request asked for. */
  model?: string;
  /** The model that answered (a fallback may differ). */
  answeredModel?: string;
  promptTokens: number;
  completionTokens: number;
  stream: boolean;
  /** Answered from the response cache. */
  cached: boolean;
  /** The catalogue code the request failed with. */
  errorCode?: string;
  /** Prompt text, kept only when content logging is on. */
  prompt?: string;
  /** Completion text, kept only when content logging is on. */
  completion?: string;
  /** Its metrics, usage row and log line are recorded (once). */
  finished?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The state of a request to an API route (chat, models); null on every other route. */
    apiCall: ApiCall | null;
  }
}

/** Whether a route is one of the API routes (keyed, limited, accounted). */
export function isApiRoute(route: string | undefined): boolean {
  return route === CHAT_ROUTE || route === MODELS_ROUTE;
}

const plugin: FastifyPluginAsync = async (app) => {
  app.decorateRequest('apiCall', null);
  app.addHook('onRequest', async (request) => {
    if (!isApiRoute(request.routeOptions.url)) return;
    request.apiCall = {
      ctx: context.active(),
      startedAt: performance.now(),
      promptTokens: 0,
      completionTokens: 0,
      stream: false,
      cached: false,
    };
  });
};

/**
 * Starts the state of every request to an API route (`request.apiCall`), which the auth, limits, chat
 * and usage plugins fill in. Registered after the telemetry plugin, so the state holds the server span.
 */
export const apiCallPlugin = fp(plugin, {
  name: 'api-call',
  fastify: '5.x',
  dependencies: ['@opsight/telemetry'],
});
