import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { type Context, context, trace } from '@opentelemetry/api';
import {
  ACTIVE_USER_WINDOWS,
  type API_DEPENDENCIES,
  apiActiveUsers,
  apiDependencyUp,
  apiKeyExpiryTimestampSeconds,
  apiKeyStoreUnavailableTotal,
  apiRequestsTotal,
  apiTokensTotal,
  apiUsageRowsQueued,
  apiUsageRowsTotal,
  cacheBypassedTotal,
  cacheHitsTotal,
  cacheMissesTotal,
  MODEL_OTHER,
  rateLimitRejectionsTotal,
  rateLimitUncheckedTotal,
} from '@opsight/catalog';
import {
  currentRequestId,
  fastifyTelemetry,
  getTelemetry,
  setUserId,
  type Telemetry,
} from '@opsight/telemetry';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { ApiError, errorBody } from './error-catalogue.js';
import { UsageWriter } from './internal/db/usage-writer.js';
import { DependencyGuard } from './internal/dependency-guard.js';
import { chatChunk, chatCompletion } from './internal/http/chat-answer.js';
import { type ChatRequest, parseChatRequest } from './internal/http/chat-request.js';
import { ThrottledLog } from './internal/logging/throttled-log.js';
import { RequestGate } from './internal/redis/request-gate.js';
import {
  type CachedCompletion,
  ResponseCache,
  type ResponseCacheScope,
} from './internal/redis/response-cache.js';
import { withDbSpan } from './internal/tracing/client-span.js';
import { ApiKeyCache } from './keys/api-key-cache.js';
import { API_KEY_PATTERN, type ApiKeyRecord, ApiKeyStore, hashApiKey } from './keys/api-key-store.js';
import {
  apiErrorFromGrpc,
  type GenerateRequest,
  type ModelRouterClient,
} from './router/model-router-client.js';

export interface ApiServiceOptions {
  /** PostgreSQL pool (API keys, usage rows); the schema must be migrated (`migrate`). */
  pool: Pool;
  /** Redis client (limits, cache, active users). */
  redis: Redis;
  /** The model router's client. */
  router: ModelRouterClient;
  /** @default the process's telemetry (`getTelemetry()`) */
  telemetry?: Telemetry;
  /** Requests per minute of a key without its own limit. @default 600 */
  defaultRpm?: number;
  /** Tokens per minute of a key without its own limit. @default 200000 */
  defaultTpm?: number;
  /** Lifetime of a cached `temperature: 0` answer. @default 300 */
  cacheTtlSeconds?: number;
  /**
   * Who shares cached answers: `user` (each user their own) or `shared` (everyone: a hit then reveals
   * that someone sent the same prompt; see the README). @default 'user'
   */
  cacheScope?: ResponseCacheScope;
  /** Largest accepted request body. @default 1048576 */
  bodyLimitBytes?: number;
  /**
   * A key's record is reused for this long before it is read again, so a revocation takes effect within
   * it. 0 reads the database on every request. @default 5000
   */
  keyCacheTtlMs?: number;
  /**
   * While PostgreSQL cannot be reached, a key whose record was read less than this long ago still
   * authenticates from memory (its status and expiry still apply); other keys get 503
   * AUTH_BACKEND_UNAVAILABLE. 0 turns the fallback off. @default 300000
   */
  keyFallbackTtlMs?: number;
  /** Most key records kept in memory (least recently used evicted first). @default 10000 */
  keyCacheMaxEntries?: number;
  /**
   * What happens to a request whose rate limits cannot be checked because Redis is down: `open` admits it
   * (counted in `rate_limit_unchecked_total{outcome="admitted"}` and logged), `closed` refuses it with
   * 503 DEPENDENCY_UNAVAILABLE. @default 'open'
   */
  rateLimitFailMode?: 'open' | 'closed';
  /** A Redis call (limits, cache) not answered within this long counts as Redis being down. @default 250 */
  redisTimeoutMs?: number;
  /** A key lookup in PostgreSQL not answered within this long counts as PostgreSQL being down. @default 2000 */
  postgresTimeoutMs?: number;
  /**
   * After a Redis or PostgreSQL call failed, requests skip that dependency for this long (no waiting on a
   * dead server), then try it again. @default 1000
   */
  dependencyBackoffMs?: number;
  /** How often PostgreSQL and Redis are pinged for `api_dependency_up`. @default 5000 */
  dependencyCheckMs?: number;
  /** `Retry-After` of the 503s answered while a dependency is down. @default 5 */
  unavailableRetryAfterSeconds?: number;
  /** Usage rows kept in memory while PostgreSQL is down; beyond, they are dropped and counted. @default 20000 */
  usageMaxQueued?: number;
  /** How often the key expiry gauge is reloaded from the database. @default 60000 */
  expiryRefreshMs?: number;
  /** How often the active-user gauges are read from Redis. @default 15000 */
  activeUsersRefreshMs?: number;
  /** How often the routed models (bounding the `model_name` label) are reloaded. @default 30000 */
  modelsRefreshMs?: number;
  /** At most this many keys get an expiry series. @default 10000 */
  maxExpirySeries?: number;
  /** Usage rows per INSERT. @default 200 */
  usageBatchSize?: number;
  /** A partial usage batch is written after this long. @default 1000 */
  usageFlushIntervalMs?: number;
  /** Log prompt and completion text (off unless explicitly enabled). @default false */
  logContent?: boolean;
  /** Clock (ms) of the rate-limit windows, for tests. @default Date.now */
  now?: () => number;
}

/** The service: its Fastify app, and what it runs beside it. */
export interface ApiService {
  readonly app: FastifyInstance;
  /** Reloads every gauge now (key expiry, active users, routed models). */
  refresh(): Promise<void>;
  /** Writes the queued usage rows now. */
  flushUsage(): Promise<void>;
  /** Stops the timers, closes the app and writes the queued usage rows (the pool and Redis stay open). */
  close(): Promise<void>;
}

/** What the service knows about one chat request, for its log line, usage row and metrics. */
interface CallState {
  ctx: Context;
  startedAt: number;
  key?: ApiKeyRecord;
  model?: string;
  answeredModel?: string;
  promptTokens: number;
  completionTokens: number;
  stream: boolean;
  cached: boolean;
  errorCode?: string;
  prompt?: string;
  completion?: string;
  finished?: boolean;
}

const CHAT_ROUTE = '/v1/chat/completions';
const MODELS_ROUTE = '/v1/models';
const MODEL_NONE = 'none';

/** Builds the API service on a migrated database and a Redis client. */
export function buildApiService(options: ApiServiceOptions): ApiService {
  const telemetry = options.telemetry ?? getTelemetry();
  const { logger, metrics, tracer } = telemetry;
  const { pool, redis, router } = options;
  const store = new ApiKeyStore(pool);
  const gate = new RequestGate(redis, { now: options.now });
  const cache = new ResponseCache(redis, options.cacheTtlSeconds ?? 300, options.cacheScope ?? 'user');
  const defaultRpm = options.defaultRpm ?? 600;
  const defaultTpm = options.defaultTpm ?? 200_000;
  const logContent = options.logContent ?? false;
  const failOpen = (options.rateLimitFailMode ?? 'open') === 'open';
  const retryAfter = options.unavailableRetryAfterSeconds ?? 5;
  const backoffMs = options.dependencyBackoffMs ?? 1000;
  const redisGuard = new DependencyGuard('redis', { timeoutMs: options.redisTimeoutMs ?? 250, backoffMs });
  const pgGuard = new DependencyGuard('postgres', {
    timeoutMs: options.postgresTimeoutMs ?? 2000,
    backoffMs,
  });
  // Outage warnings: one line per event per 10 s, with the count since the last one.
  const outageLog = new ThrottledLog();
  const warnOutage = (event: string, error: unknown, message: string) =>
    outageLog.note(event, (f, m) => logger.warn(f, m), { error }, message);

  const requests = metrics.counter(apiRequestsTotal);
  const tokens = metrics.counter(apiTokensTotal);
  const activeUsers = metrics.gauge(apiActiveUsers);
  const expiry = metrics.gauge(apiKeyExpiryTimestampSeconds);
  const usageRows = metrics.counter(apiUsageRowsTotal);
  const hits = metrics.counter(cacheHitsTotal);
  const misses = metrics.counter(cacheMissesTotal);
  const rejections = metrics.counter(rateLimitRejectionsTotal);
  const unchecked = metrics.counter(rateLimitUncheckedTotal);
  const bypassed = metrics.counter(cacheBypassedTotal);
  const keyStoreDown = metrics.counter(apiKeyStoreUnavailableTotal);
  const dependencyUp = metrics.gauge(apiDependencyUp);
  const usageQueued = metrics.gauge(apiUsageRowsQueued);
  for (const outcome of ['written', 'dropped']) usageRows.inc({ outcome }, 0);
  for (const cacheName of ['response', 'api_key']) {
    hits.inc({ cache: cacheName }, 0);
    misses.inc({ cache: cacheName }, 0);
  }
  for (const outcome of ['admitted', 'refused']) unchecked.inc({ outcome }, 0);
  for (const outcome of ['cached', 'refused']) keyStoreDown.inc({ outcome }, 0);
  bypassed.inc({ cache: 'response' }, 0);
  usageQueued.set(0);

  const usage = new UsageWriter(pool, {
    batchSize: options.usageBatchSize,
    flushIntervalMs: options.usageFlushIntervalMs,
    maxQueued: options.usageMaxQueued,
    onOutcome: (outcome, n) => {
      usageRows.inc({ outcome }, n);
      // A batch written proves PostgreSQL answers again: key lookups stop skipping it.
      if (outcome === 'written') pgGuard.markUp();
      if (outcome === 'dropped') {
        outageLog.note(
          'usage_rows_dropped',
          (f, m) => logger.error(f, m),
          { rows: n, queued: usage.queued },
          'usage rows dropped: the queue is full while PostgreSQL is unreachable',
        );
      }
    },
    onQueued: (n) => usageQueued.set(n),
    onError: (error) =>
      outageLog.note(
        'usage_batch_failed',
        (f, m) => logger.warn(f, m),
        { error, queued: usage.queued },
        'usage batch not written; kept for the next try',
      ),
  });

  // Models with a route: the `model_name` label's values. Anything else is `other`.
  const knownModels = new Set<string>();
  const modelLabel = (model: string | undefined) =>
    model === undefined ? MODEL_NONE : knownModels.has(model) ? model : MODEL_OTHER;

  // Recently read key records, by hash (also the fallback while PostgreSQL is down).
  const keyCache = new ApiKeyCache({
    freshMs: options.keyCacheTtlMs ?? 5000,
    fallbackMs: options.keyFallbackTtlMs ?? 300_000,
    maxEntries: options.keyCacheMaxEntries,
  });

  const states = new WeakMap<FastifyRequest, CallState>();
  const traceIdOf = (ctx: Context | undefined) => {
    const span = trace.getSpan(ctx ?? context.active());
    return span?.spanContext().traceId;
  };

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });
  app.register(fastifyTelemetry, { telemetry });
  // JSON only: a text/plain body is refused with 415 instead of reaching the handler as a string.
  app.removeContentTypeParser('text/plain');

  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(
        errorBody(
          new ApiError(
            'NOT_FOUND',
            `no route for ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`,
          ),
          traceIdOf(undefined),
          currentRequestId(),
        ),
      );
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const state = states.get(request);
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL_ERROR') {
      context.with(state?.ctx ?? context.active(), () => logger.error({ error }, 'request failed'));
    }
    if (state) state.errorCode = apiError.code;
    if (apiError.retryAfter !== undefined) void reply.header('retry-after', String(apiError.retryAfter));
    void reply.code(apiError.status).send(
      errorBody(
        apiError,
        traceIdOf(state?.ctx),
        context.with(state?.ctx ?? context.active(), () => currentRequestId()),
      ),
    );
  });

  /** Authenticates the request's key and counts it against the key's limits. */
  async function authenticate(request: FastifyRequest, state: CallState): Promise<void> {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw new ApiError('API_KEY_MISSING', 'an API key is required: Authorization: Bearer sk-…');
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match || !API_KEY_PATTERN.test(match[1]!)) {
      throw new ApiError(
        'API_KEY_MALFORMED',
        'the Authorization header must be "Bearer sk-…" with a valid key',
      );
    }
    const hash = hashApiKey(match[1]!).toString('hex');
    const now = Date.now();
    let record: ApiKeyRecord | undefined = keyCache.fresh(hash, now);
    if (record) {
      hits.inc({ cache: 'api_key' });
    } else {
      misses.inc({ cache: 'api_key' });
      try {
        const secret = match[1]!;
        record = await pgGuard.run(() =>
          withDbSpan(
            tracer,
            {
              system: 'postgresql',
              operation: 'SELECT',
              collection: 'api_keys',
              query: 'SELECT … FROM api_keys WHERE key_hash = $1',
            },
            () => store.findByKey(secret),
          ),
        );
      } catch (error) {
        // PostgreSQL is down or slow: a key seen recently still authenticates from its record in memory.
        record = keyCache.fallback(hash, now);
        keyStoreDown.inc({ outcome: record ? 'cached' : 'refused' });
        warnOutage(
          'api_key_store_unavailable',
          error,
          'API key store unavailable: recently seen keys authenticate from memory, others get 503',
        );
        if (!record) {
          throw new ApiError(
            'AUTH_BACKEND_UNAVAILABLE',
            'the key store is unavailable and this key was not seen recently; retry later',
            undefined,
            retryAfter,
          );
        }
      }
      if (record) keyCache.set(hash, record, now);
      else keyCache.delete(hash);
    }
    if (!record) throw new ApiError('API_KEY_UNKNOWN', 'the API key is not known');
    state.key = record;
    setUserId(record.userId);
    if (record.status === 'revoked') throw new ApiError('API_KEY_REVOKED', 'the API key was revoked');
    if (record.expiresAt && record.expiresAt.getTime() <= now) {
      throw new ApiError('API_KEY_EXPIRED', `the API key expired at ${record.expiresAt.toISOString()}`);
    }
    let admission: Awaited<ReturnType<RequestGate['admit']>>;
    try {
      const key = record;
      admission = await redisGuard.run(() =>
        withDbSpan(tracer, { system: 'redis', operation: 'EVALSHA' }, () =>
          gate.admit(key.id, key.userId, {
            rpm: key.rpmLimit ?? defaultRpm,
            tpm: key.tpmLimit ?? defaultTpm,
          }),
        ),
      );
    } catch (error) {
      unchecked.inc({ outcome: failOpen ? 'admitted' : 'refused' });
      warnOutage(
        'rate_limiter_unavailable',
        error,
        failOpen
          ? 'rate limiter unavailable: requests admitted without a limit check (fail open)'
          : 'rate limiter unavailable: requests refused (fail closed)',
      );
      if (!failOpen) {
        throw new ApiError(
          'DEPENDENCY_UNAVAILABLE',
          'the rate limiter is unavailable',
          undefined,
          retryAfter,
        );
      }
      admission = { ok: true };
    }
    if (!admission.ok) {
      rejections.inc({ limit: admission.limit });
      throw new ApiError(
        admission.limit === 'requests' ? 'RATE_LIMITED_REQUESTS' : 'RATE_LIMITED_TOKENS',
        `the key's ${admission.limit} per minute limit is used up; retry in ${admission.retryAfterSeconds} s`,
        undefined,
        admission.retryAfterSeconds,
      );
    }
  }

  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (route !== CHAT_ROUTE && route !== MODELS_ROUTE) return;
    const state: CallState = {
      ctx: context.active(),
      startedAt: performance.now(),
      promptTokens: 0,
      completionTokens: 0,
      stream: false,
      cached: false,
    };
    states.set(request, state);
    await authenticate(request, state);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const state = states.get(request);
    if (state && request.routeOptions.url === CHAT_ROUTE) {
      context.with(state.ctx, () => finishCall(state, reply.statusCode));
    }
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    const state = states.get(request);
    if (state && request.routeOptions.url === CHAT_ROUTE) {
      state.errorCode = 'CLIENT_CANCELLED';
      context.with(state.ctx, () => finishCall(state, 499));
    }
    done();
  });

  /** Metrics, usage row and log line of one chat request; once per request. */
  function finishCall(state: CallState, answered: number): void {
    if (state.finished) return;
    state.finished = true;
    // A client that went away mid-stream got a 200 header; it is counted as nginx counts it: 499.
    const status = state.errorCode === 'CLIENT_CANCELLED' ? 499 : answered;
    const label = modelLabel(state.model);
    const latencyMs = performance.now() - state.startedAt;
    requests.inc({ model_name: label, status: String(status) });
    if (state.promptTokens > 0) tokens.inc({ model_name: label, direction: 'prompt' }, state.promptTokens);
    if (state.completionTokens > 0) {
      tokens.inc({ model_name: label, direction: 'completion' }, state.completionTokens);
    }
    if (state.key) {
      usage.add({
        at: new Date(),
        requestId: currentRequestId() ?? '',
        userId: state.key.userId,
        keyId: state.key.id,
        model: state.model ?? MODEL_NONE,
        promptTokens: state.promptTokens,
        completionTokens: state.completionTokens,
        latencyMs,
        status,
        errorCode: state.errorCode ?? null,
        stream: state.stream,
        cached: state.cached,
      });
    }
    const fields = {
      path: CHAT_ROUTE,
      status,
      model_name: state.model,
      answered_model: state.answeredModel,
      key_id: state.key?.id,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
      prompt_tokens: state.promptTokens,
      completion_tokens: state.completionTokens,
      stream: state.stream,
      cached: state.cached,
      error_code: state.errorCode,
      ...(logContent ? { prompt: state.prompt, completion: state.completion } : {}),
    };
    if (status === 499) logger.info(fields, 'chat completion cancelled by the client');
    else if (status >= 500) logger.error(fields, 'chat completion failed');
    else if (status >= 400) logger.warn(fields, 'chat completion refused');
    else logger.info(fields, 'chat completion');
  }

  /**
   * Pings PostgreSQL and Redis (each bounded by 2 s) and records the result in `api_dependency_up`. A
   * dependency seen down starts its guard's back-off, so requests stop waiting on it at once.
   */
  async function checkDependencies(): Promise<
    Record<(typeof API_DEPENDENCIES)[number], 'ok' | 'unavailable'>
  > {
    const probe = async (dependency: (typeof API_DEPENDENCIES)[number], ping: () => Promise<unknown>) => {
      const guard = dependency === 'postgres' ? pgGuard : redisGuard;
      try {
        await withTimeout(ping(), 2000);
        dependencyUp.set({ dependency }, 1);
        guard.markUp();
        return 'ok' as const;
      } catch (error) {
        dependencyUp.set({ dependency }, 0);
        guard.markDown(error);
        return 'unavailable' as const;
      }
    };
    const [postgres, redisState] = await Promise.all([
      probe('postgres', () => pool.query('SELECT 1')),
      probe('redis', () => redis.ping()),
    ]);
    return { postgres, redis: redisState };
  }

  // Liveness and readiness: 200 while the process serves. A dependency that is down makes the service
  // degraded, not unready: every replica shares it, so failing the probe would take them all out of
  // rotation at once and turn requests that can still be served (fail-open limits, keys in memory) into
  // gateway errors. The body says what is degraded; so do api_dependency_up and the logs.
  const probeHandler = async (_request: FastifyRequest, reply: FastifyReply) => {
    const states = await checkDependencies();
    const ok = states.postgres === 'ok' && states.redis === 'ok';
    return reply.code(200).send({ status: ok ? 'ok' : 'degraded', ...states });
  };
  app.get('/healthz', probeHandler);
  app.get('/readyz', probeHandler);

  app.get(MODELS_ROUTE, async () => {
    const models = await router.listModels();
    for (const m of models) knownModels.add(m.id);
    return {
      object: 'list',
      data: models.map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: m.owned_by })),
    };
  });

  app.post(CHAT_ROUTE, async (request, reply) => {
    const state = states.get(request)!;
    const chat = parseChatRequest(request.body);
    state.model = chat.model;
    state.stream = chat.stream;
    if (logContent) state.prompt = chat.messages.map((m) => `${m.role}: ${m.content}`).join('\n');
    const grpcRequest: GenerateRequest = {
      model: chat.model,
      messages: chat.messages,
      temperature: chat.temperature,
      top_p: chat.top_p,
      max_tokens: chat.max_tokens,
      seed: chat.seed,
      stop: chat.stop,
      request_id: currentRequestId() ?? '',
      user_id: state.key!.userId,
    };
    if (chat.stream) return streamCompletion(reply, state, chat, grpcRequest);

    const cacheable = chat.temperature === 0;
    const cacheKey = cacheable
      ? cache.keyOf(
          {
            model: chat.model,
            messages: chat.messages,
            top_p: chat.top_p,
            max_tokens: chat.max_tokens,
            seed: chat.seed,
            stop: chat.stop,
          },
          state.key!.userId,
        )
      : undefined;
    let cacheUsable = cacheKey !== undefined;
    if (cacheKey) {
      let hit: CachedCompletion | undefined;
      try {
        hit = await redisGuard.run(() =>
          withDbSpan(tracer, { system: 'redis', operation: 'GET' }, () => cache.get(cacheKey)),
        );
      } catch (error) {
        // Redis down: answer from the model, as for a miss, and do not try to store the answer.
        cacheUsable = false;
        bypassed.inc({ cache: 'response' });
        warnOutage('response_cache_unavailable', error, 'response cache unavailable: bypassed');
      }
      if (hit) {
        hits.inc({ cache: 'response' });
        state.cached = true;
        return answer(reply, state, hit, `chatcmpl-${randomUUID()}`);
      }
      if (cacheUsable) misses.inc({ cache: 'response' });
    }
    const response = await router.generate(grpcRequest);
    const completion: CachedCompletion = {
      model: response.model || chat.model,
      content: response.content,
      finishReason: response.finish_reason || 'stop',
      promptTokens: response.usage?.prompt_tokens ?? 0,
      completionTokens: response.usage?.completion_tokens ?? 0,
    };
    knownModels.add(chat.model);
    if (cacheKey && cacheUsable) {
      redisGuard
        .run(() =>
          withDbSpan(tracer, { system: 'redis', operation: 'SET' }, () => cache.set(cacheKey, completion)),
        )
        .catch((error: unknown) =>
          warnOutage('response_cache_write_failed', error, 'response cache write failed'),
        );
    }
    return answer(reply, state, completion, response.id || `chatcmpl-${randomUUID()}`);
  });

  function answer(reply: FastifyReply, state: CallState, c: CachedCompletion, id: string) {
    state.answeredModel = c.model;
    state.promptTokens = c.promptTokens;
    state.completionTokens = c.completionTokens;
    if (logContent) state.completion = c.content;
    spend(state);
    void reply.header('x-opsight-cache', state.cached ? 'hit' : 'miss');
    return chatCompletion(id, c);
  }

  function spend(state: CallState): void {
    const total = state.promptTokens + state.completionTokens;
    if (state.key && total > 0) {
      const keyId = state.key.id;
      redisGuard
        .run(() =>
          withDbSpan(tracer, { system: 'redis', operation: 'EVALSHA' }, () => gate.spendTokens(keyId, total)),
        )
        .catch((error: unknown) =>
          warnOutage('token_budget_unavailable', error, 'token budget update failed: tokens not counted'),
        );
    }
  }

  /**
   * Streams the router's chunks as server-sent events. The HTTP status is chosen when the first chunk
   * (or the error) arrives, so a failure before any token is an ordinary error answer; a failure after
   * is an `error` event. When the client goes away, the gRPC stream is cancelled.
   */
  function streamCompletion(
    reply: FastifyReply,
    state: CallState,
    chat: ChatRequest,
    grpcRequest: GenerateRequest,
  ): Promise<FastifyReply> {
    const call = router.generateStream(grpcRequest);
    const out = new PassThrough();
    const created = Math.floor(Date.now() / 1000);
    let id = `chatcmpl-${randomUUID()}`;
    let started = false;
    let finished = false;
    const content: string[] = [];
    return new Promise((resolve, reject) => {
      // The response closes early only when the client went away (it closes after the last byte too).
      reply.raw.on('close', () => {
        if (finished) return;
        finished = true;
        state.errorCode = 'CLIENT_CANCELLED';
        call.cancel();
        out.destroy();
        // Fastify reports neither onResponse nor an abort for a response the client left half-read.
        context.with(state.ctx, () => finishCall(state, 499));
        if (!started) reject(new ApiError('CLIENT_CANCELLED', 'the client went away'));
      });
      const start = () => {
        if (started) return;
        started = true;
        void reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-cache')
          .header('x-accel-buffering', 'no')
          .send(out);
        resolve(reply);
      };
      call.on('data', (chunk) => {
        if (finished) return;
        const first = !started;
        if (chunk.id) id = chunk.id;
        start();
        const model = chunk.model || chat.model;
        state.answeredModel = model;
        if (logContent) content.push(chunk.delta);
        if (chunk.finish_reason) {
          state.promptTokens = chunk.usage?.prompt_tokens ?? 0;
          state.completionTokens = chunk.usage?.completion_tokens ?? 0;
        }
        out.write(chatChunk(id, created, model, chunk, first));
      });
      call.on('error', (error) => {
        if (finished) return;
        const apiError = apiErrorFromGrpc(error as Parameters<typeof apiErrorFromGrpc>[0]);
        state.errorCode = apiError.code;
        if (!started) {
          finished = true;
          reject(apiError);
          return;
        }
        finished = true;
        out.end(`data: ${JSON.stringify(errorBody(apiError, traceIdOf(state.ctx), currentRequestId()))}\n\n`);
      });
      call.on('end', () => {
        if (finished) return;
        start();
        finished = true;
        knownModels.add(chat.model);
        if (logContent) state.completion = content.join('');
        spend(state);
        out.end('data: [DONE]\n\n');
      });
    });
  }

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, task: () => Promise<void>) => {
    const timer = setInterval(() => void task(), ms);
    timer.unref();
    timers.push(timer);
  };

  async function refreshExpiry(): Promise<void> {
    try {
      const keys = await pgGuard.run(() => store.expiringActive(options.maxExpirySeries ?? 10_000));
      expiry.reset();
      for (const k of keys) expiry.set({ key_id: k.id }, Math.floor(k.expiresAt.getTime() / 1000));
    } catch (error) {
      logger.warn({ error }, 'key expiry refresh failed');
    }
  }
  async function refreshActiveUsers(): Promise<void> {
    try {
      const counts = await redisGuard.run(() => gate.activeUsers());
      const [hour, day] = ACTIVE_USER_WINDOWS;
      activeUsers.set({ window: hour }, counts.hour);
      activeUsers.set({ window: day }, counts.day);
    } catch (error) {
      logger.warn({ error }, 'active user refresh failed');
    }
  }
  async function refreshModels(): Promise<void> {
    try {
      for (const m of await router.listModels()) knownModels.add(m.id);
    } catch (error) {
      logger.warn({ error }, 'model list refresh failed');
    }
  }
  every(options.expiryRefreshMs ?? 60_000, refreshExpiry);
  every(options.activeUsersRefreshMs ?? 15_000, refreshActiveUsers);
  every(options.modelsRefreshMs ?? 30_000, refreshModels);
  every(options.dependencyCheckMs ?? 5000, async () => {
    await checkDependencies();
  });

  return {
    app,
    async refresh() {
      await Promise.all([refreshExpiry(), refreshActiveUsers(), refreshModels(), checkDependencies()]);
    },
    flushUsage: () => usage.flush(),
    async close() {
      for (const t of timers) clearInterval(t);
      await app.close();
      const dropped = await usage.close();
      if (dropped > 0)
        logger.error({ rows: dropped }, 'usage rows not written at shutdown: PostgreSQL unreachable');
    },
  };
}

/** A framework or unexpected error as a catalogue error. */
function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('REQUEST_BODY_TOO_LARGE', 'the request body is too large', 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the request body must be application/json', 'body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('INVALID_JSON', 'the request body is empty', 'body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('INVALID_JSON', 'the request body is not valid JSON', 'body');
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new ApiError('INVALID_JSON', 'the request body is not valid JSON', 'body');
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('INVALID_REQUEST', error.message);
  }
  return new ApiError('INTERNAL_ERROR', 'internal error');
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
