import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { installFastifyGuard } from '@opsight/http-guard';
import {
  createInferenceRecorder,
  currentTraceId,
  fastifyTelemetry,
  getTelemetry,
  type RecordInference,
  type Telemetry,
} from '@opsight/telemetry';
import { fastifyAdmin } from '@opsight/telemetry/admin';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { type ChatRequest, parseChatRequest } from './internal/chat-request.js';
import { ServingError } from './internal/errors.js';
import { applyFaultPatch, type FaultSettings, NO_FAULTS } from './internal/faults.js';
import { type GenerationPlan, planGeneration } from './internal/generation-plan.js';
import type { ModelProfile } from './internal/model-profile.js';
import { proxyCompletion, type UpstreamOptions } from './internal/upstream-proxy.js';

export interface ServingAppOptions {
  /** The simulated models this instance serves. */
  models: ModelProfile[];
  /** @default the process's telemetry (`getTelemetry()`) */
  telemetry?: Telemetry;
  /** Runs the crash fault. @default exits the process with status 70 */
  onCrash?: () => void;
  /** Source of jitter and fault draws. @default Math.random */
  random?: () => number;
  /** The timeout fault gives up after this long and answers 504. @default 600000 */
  hangMs?: number;
  /** Largest request body accepted, bytes. @default 1048576 */
  bodyLimit?: number;
  /**
   * Forward completions of the served model names to an OpenAI-compatible upstream instead of simulating
   * them (profiles then only name the models). @default none: simulated
   */
  upstream?: UpstreamOptions;
  /**
   * Serve `/admin/faults` (latency, errors, hangs, overload, crash at run time, without credentials): for
   * test stacks only. The binary turns it on with `OPSIGHT_FAULTS=1`, which the local stack sets. Never
   * together with {@link upstream}: {@link buildServingApp} refuses the pair, so a real model can never
   * be crashed or slowed by whoever reaches the port. @default false (the routes do not exist: 404)
   */
  faults?: boolean;
}

/** Thrown by {@link buildServingApp} for options that must not go together. */
export class ServingConfigError extends Error {
  override readonly name = 'ServingConfigError';
}

/** Header of non-stream answers: the model's time to first token, seconds. */
export const TTFT_HEADER = 'x-opsight-ttft-seconds';

type Outcome = { kind: 'success' } | { kind: 'failure'; reason: string; code?: string };

/**
 * The model-serving HTTP app: `POST /v1/chat/completions` (JSON or SSE), `GET /v1/models`, the admin
 * paths (`/metrics`, `/healthz`, `/readyz`) and `/admin/faults`. Records every inference with `recordInference`.
 */
export async function buildServingApp(options: ServingAppOptions): Promise<FastifyInstance> {
  if (options.faults && options.upstream)
    throw new ServingConfigError(
      'fault switches (OPSIGHT_FAULTS=1) cannot be on while forwarding to an upstream model: they would let anyone who reaches this port slow down or crash the real service; unset OPSIGHT_FAULTS or the upstream',
    );
  const telemetry = options.telemetry ?? getTelemetry();
  const log = telemetry.logger;
  const random = options.random ?? Math.random;
  const hangMs = options.hangMs ?? 600_000;
  const onCrash =
    options.onCrash ??
    (() => {
      void telemetry.forceFlush().finally(() => process.exit(70));
    });
  const models = new Map(options.models.map((m) => [m.name, m]));
  const record: RecordInference = createInferenceRecorder({ models: models.keys(), telemetry });
  const created = Math.floor(Date.now() / 1000);
  let faults: FaultSettings = { ...NO_FAULTS };

  // close() ends every connection: streams in flight stop (their clients see the connection end), and a
  // connection a client opened without sending a request does not hold the server open.
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    forceCloseConnections: true,
  });
  await app.register(fastifyTelemetry, { telemetry });
  // Browser safety: Host (DNS rebinding), Origin and JSON-only writes, before any body is read.
  installFastifyGuard(app);

  // A 5xx answer carries the code and the trace id only; the error itself (message, stack) goes to the log
  // line of that trace. 4xx answers keep their message, which names what the caller got wrong.
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const e = toServingError(error);
    if (e.status >= 500) log.error({ error_code: e.code, error }, 'request failed');
    return reply.code(e.status).send(e.toBody(currentTraceId()));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new ServingError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url}`);
    return reply.code(404).send(e.toBody(currentTraceId()));
  });

  await app.register(fastifyAdmin, { admin: { metrics: telemetry.metrics } });

  app.get('/v1/models', async () => ({
    object: 'list',
    data: [...models.keys()].map((id) => ({ id, object: 'model', created, owned_by: 'opsight' })),
  }));

  if (options.faults) {
    app.get('/admin/faults', async () => faults);
    app.post('/admin/faults', async (request) => {
      faults = applyFaultPatch(faults, request.body ?? {});
      log.warn({ faults }, 'fault switches changed');
      return faults;
    });
    app.delete('/admin/faults', async () => {
      faults = { ...NO_FAULTS };
      log.info('fault switches cleared');
      return faults;
    });
  }

  app.post('/v1/chat/completions', async (request, reply) => {
    const chat = parseChatRequest(request.body);
    const profile = models.get(chat.model);
    if (!profile)
      throw new ServingError('MODEL_NOT_FOUND', `model ${chat.model} is not served here`, 'model');
    const startedAt = performance.now();
    const abort = new AbortController();
    const socket = request.raw.socket;
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    if (options.upstream) {
      try {
        await injectFaults(reply, abort.signal);
      } catch (error) {
        if (error instanceof ServingError) {
          const latency = (performance.now() - startedAt) / 1000;
          record({ model: chat.model, outcome: 'failure', reason: reasonOf(error), latency });
        }
        throw error;
      }
      return proxyCompletion({
        upstream: options.upstream,
        chat,
        body: request.body as Record<string, unknown>,
        reply,
        signal: abort.signal,
        startedAt,
        record,
        log,
      });
    }
    const plan = planGeneration(chat, profile, random);
    plan.ttftMs += faults.latencyMs;
    const id = `chatcmpl-${randomUUID()}`;
    const ttftSeconds = plan.ttftMs / 1000;
    const completionTokens = plan.tokens.length;
    let done = false;
    const finish = (outcome: Outcome): void => {
      if (done) return;
      done = true;
      const latency = (performance.now() - startedAt) / 1000;
      const fields = {
        model_name: chat.model,
        latency_ms: Math.round(latency * 1000),
        input_tokens: plan.promptTokens,
        output_tokens: outcome.kind === 'success' ? completionTokens : undefined,
        stream: chat.stream,
      };
      if (outcome.kind === 'success') {
        record({
          model: chat.model,
          outcome: 'success',
          latency,
          ttft: ttftSeconds,
          inputTokens: plan.promptTokens,
          outputTokens: completionTokens,
        });
        log.info(fields, 'inference completed');
      } else {
        record({ model: chat.model, outcome: 'failure', reason: outcome.reason, latency });
        if (outcome.reason === 'canceled') {
          log.warn(fields, 'inference cancelled: client went away');
          // A half-closed connection would otherwise stay open until the keep-alive timeout.
          socket.destroy();
        } else log.warn({ ...fields, error_code: outcome.code }, `inference failed: ${outcome.reason}`);
      }
    };

    try {
      await injectFaults(reply, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) {
        finish({ kind: 'failure', reason: 'canceled' });
        return reply;
      }
      if (error instanceof ServingError)
        finish({ kind: 'failure', reason: reasonOf(error), code: error.code });
      throw error;
    }

    if (chat.stream) {
      const stream = Readable.from(sse(id, chat, plan, abort.signal, finish), { objectMode: false });
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-accel-buffering', 'no')
        .send(stream);
    }
    try {
      if (plan.ttftMs > 0) await sleep(plan.ttftMs, undefined, { signal: abort.signal });
      const rest = plan.tokenDelaysMs.reduce((a, b) => a + b, 0);
      if (rest > 0) await sleep(rest, undefined, { signal: abort.signal });
    } catch {
      finish({ kind: 'failure', reason: 'canceled' });
      return reply;
    }
    finish({ kind: 'success' });
    return reply.header(TTFT_HEADER, ttftSeconds.toFixed(6)).send({
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: chat.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: plan.tokens.join('') },
          finish_reason: plan.finishReason,
        },
      ],
      usage: usage(plan),
    });
  });

  /** Applies the fault switches to one request: throws the injected error, or returns to go on. */
  async function injectFaults(reply: FastifyReply, signal: AbortSignal): Promise<void> {
    if (faults.crash) {
      log.error('crash fault: the process exits now');
      reply.raw.socket?.destroy();
      onCrash();
      await sleep(hangMs, undefined, { signal });
    }
    if (faults.timeoutRate > 0 && random() < faults.timeoutRate) {
      await sleep(hangMs, undefined, { signal });
      throw new ServingError('MODEL_TIMEOUT', 'the model did not answer in time (timeout fault)');
    }
    if (faults.overloadRate > 0 && random() < faults.overloadRate)
      throw new ServingError('MODEL_OVERLOADED', 'the model is overloaded (overload fault)');
    if (faults.errorRate > 0 && random() < faults.errorRate)
      throw new ServingError('MODEL_ERROR', 'the model failed (error fault)');
  }

  return app;
}

/** The `reason` of an injected failure. */
function reasonOf(error: ServingError): string {
  if (error.code === 'MODEL_TIMEOUT') return 'timeout';
  if (error.code === 'MODEL_OVERLOADED') return 'overloaded';
  return 'internal';
}

function usage(plan: GenerationPlan) {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.tokens.length,
    total_tokens: plan.promptTokens + plan.tokens.length,
  };
}

/** The SSE body of a streamed completion: a role chunk, one chunk per token, a last chunk, `[DONE]`. */
async function* sse(
  id: string,
  chat: ChatRequest,
  plan: GenerationPlan,
  signal: AbortSignal,
  finish: (outcome: Outcome) => void,
): AsyncGenerator<string> {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finishReason: string | null, extra: object = {}) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: chat.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
      ...extra,
    })}\n\n`;
  try {
    if (plan.ttftMs > 0) await sleep(plan.ttftMs, undefined, { signal });
    yield chunk({ role: 'assistant', content: '' }, null);
    for (let i = 0; i < plan.tokens.length; i++) {
      const delay = i === 0 ? 0 : (plan.tokenDelaysMs[i - 1] ?? 0);
      if (delay > 0) await sleep(delay, undefined, { signal });
      if (signal.aborted) throw signal.reason;
      yield chunk({ content: plan.tokens[i] }, null);
    }
    yield chunk({}, plan.finishReason, { usage: usage(plan) });
    yield 'data: [DONE]\n\n';
    finish({ kind: 'success' });
  } catch {
    finish({ kind: 'failure', reason: 'canceled' });
  } finally {
    // Destroyed by the client going away while suspended at a yield.
    finish({ kind: 'failure', reason: 'canceled' });
  }
}

function toServingError(error: FastifyError | ServingError): ServingError {
  if (error instanceof ServingError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ServingError('REQUEST_TOO_LARGE', 'request body is too large', 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ServingError(
        'UNSUPPORTED_MEDIA_TYPE',
        'expected content-type application/json',
        'content-type',
      );
    default:
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
        return new ServingError('INVALID_REQUEST', `body: ${error.message}`, 'body');
      return new ServingError('MODEL_ERROR', 'internal error');
  }
}
