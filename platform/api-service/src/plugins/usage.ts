import { context } from '@opentelemetry/api';
import { apiRequestsTotal, apiTokensTotal } from '@opsight/catalog';
import { currentRequestId, type Telemetry } from '@opsight/telemetry';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { UsageRow } from '../internal/db/usage-writer.js';
import type { KnownModels } from '../internal/known-models.js';
import { type ApiCall, CHAT_ROUTE, MODEL_NONE } from './api-call.js';

/** Where usage rows go (PostgreSQL, in batches). */
export interface UsageSink {
  /** Queues one row. */
  add(row: UsageRow): void;
}

/** Options of {@link usagePlugin}. */
export interface UsagePluginOptions {
  /** The usage rows' writer. */
  usage: UsageSink;
  /** The routed models, bounding the `model_name` label. */
  models: KnownModels;
  /** Counters and the log line. */
  telemetry: Telemetry;
  /** Log prompt and completion text. */
  logContent: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Records a chat call's metrics, usage row and log line, once: at its response, its abort, or (for a
     * stream the client left half-read) when the stream ends. `answered` is the HTTP status sent.
     */
    finishCall(call: ApiCall, answered: number): void;
  }
}

const plugin: FastifyPluginAsync<UsagePluginOptions> = async (app, options) => {
  const { usage, models, logContent } = options;
  const { logger, metrics } = options.telemetry;
  const requests = metrics.counter(apiRequestsTotal);
  const tokens = metrics.counter(apiTokensTotal);

  function finishCall(call: ApiCall, answered: number): void {
    if (call.finished) return;
    call.finished = true;
    // A client that went away mid-stream got a 200 header; it is counted as nginx counts it: 499.
    const status = call.errorCode === 'CLIENT_CANCELLED' ? 499 : answered;
    const label = models.label(call.model);
    const latencyMs = performance.now() - call.startedAt;
    requests.inc({ model_name: label, status: String(status) });
    if (call.promptTokens > 0) tokens.inc({ model_name: label, direction: 'prompt' }, call.promptTokens);
    if (call.completionTokens > 0) {
      tokens.inc({ model_name: label, direction: 'completion' }, call.completionTokens);
    }
    if (call.key) {
      usage.add({
        at: new Date(),
        requestId: currentRequestId() ?? '',
        userId: call.key.userId,
        keyId: call.key.id,
        model: call.model ?? MODEL_NONE,
        promptTokens: call.promptTokens,
        completionTokens: call.completionTokens,
        latencyMs,
        status,
        errorCode: call.errorCode ?? null,
        stream: call.stream,
        cached: call.cached,
      });
    }
    const fields = {
      path: CHAT_ROUTE,
      status,
      model_name: call.model,
      answered_model: call.answeredModel,
      key_id: call.key?.id,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
      prompt_tokens: call.promptTokens,
      completion_tokens: call.completionTokens,
      stream: call.stream,
      cached: call.cached,
      error_code: call.errorCode,
      ...(logContent ? { prompt: call.prompt, completion: call.completion } : {}),
    };
    if (status === 499) logger.info(fields, 'chat completion cancelled by the client');
    else if (status >= 500) logger.error(fields, 'chat completion failed');
    else if (status >= 400) logger.warn(fields, 'chat completion refused');
    else logger.info(fields, 'chat completion');
  }

  app.decorate('finishCall', (call: ApiCall, answered: number) =>
    context.with(call.ctx, () => finishCall(call, answered)),
  );

  app.addHook('onResponse', (request, reply, done) => {
    const call = request.apiCall;
    if (call && request.routeOptions.url === CHAT_ROUTE) app.finishCall(call, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    const call = request.apiCall;
    if (call && request.routeOptions.url === CHAT_ROUTE) {
      call.errorCode = 'CLIENT_CANCELLED';
      app.finishCall(call, 499);
    }
    done();
  });
};

/**
 * Accounting of chat calls: `api_requests_total` and `api_tokens_total` (by bounded model name), one
 * usage row per keyed call, and one log line per call (`chat completion`, `… refused`, `… failed`,
 * `… cancelled by the client`).
 */
export const usagePlugin = fp(plugin, {
  name: 'api-usage',
  fastify: '5.x',
  dependencies: ['api-call'],
  decorators: { request: ['apiCall'] },
});
