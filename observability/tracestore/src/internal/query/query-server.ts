// The query API on one HTTP listener:
// - Jaeger v2's API v3 (/api/v3/...), answering with OTLP/JSON;
// - the JSON API that the Jaeger UI and Grafana's Jaeger data source call (/api/services, /api/traces, …),
//   with Jaeger's envelope {data, total, limit, offset, errors};
// - /api/opsight/traces/{id}/analysis for the console (span tree, critical path, service calls);
// - /metrics (Prometheus text) and /ready.
import { parseRfc3339Nano, tryParseDuration } from '@opsight/contracts/codecs';
import { type ErrorLog, errorFields, installFastifyGuard, stderrErrorLog } from '@opsight/http-guard';
import { AdminEndpoints, fastifyAdmin } from '@opsight/telemetry/admin';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { AnalysisPool } from '../analysis/analysis-pool.js';
import { analyzeTrace, defaultMaxAnalysisSpans, type TraceAnalysis } from '../analysis/trace-analysis.js';
import { TraceStoreError } from '../error-codes.js';
import { clientGone } from '../http/client-gone.js';
import type { SpanStore, TraceQuery } from '../storage/span-store.js';
import { type DecodedTrace, decodeTrace } from './decoded-trace.js';
import { jaegerSpanKinds, jaegerTrace } from './jaeger-json.js';
import { tracesDataJson } from './otlp-json.js';
import { matchTags } from './tag-match.js';

export interface QueryServerOptions {
  /** The store of the tenant a request acts as (see tenantOf). */
  storeFor: (tenant: string) => SpanStore;
  /** The tenant of a request; throws TraceStoreError (401, 403) when it may not read. */
  tenantOf: (headers: FastifyRequest['headers']) => string;
  registry: Registry;
  /** Readiness: /readyz and its alias /ready answer 503 until this returns true. */
  isReady: () => boolean;
  /** Where an unexpected failure's error goes (its answer says only INTERNAL_ERROR). @default stderrErrorLog */
  logError?: ErrorLog;
  /**
   * Most spans of one trace the console's analysis covers: a larger trace is analysed on its first spans by
   * start time, and the answer says `truncated`. @default 10000 (defaultMaxAnalysisSpans)
   */
  maxAnalysisSpans?: number;
  /**
   * The threads that analyse traces for the console, each on its own read-only connection. Without it (or
   * for a ':memory:' store, which no other connection can open) the analysis runs on the calling thread.
   * @default undefined
   */
  analysisPool?: AnalysisPool;
}

type Query = Record<string, string | string[] | undefined>;

const defaultLimit = 100;
const maxLimit = 1500;
const dayNs = 86_400_000_000_000n;

function one(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

function many(query: Query, name: string): string[] {
  const value = query[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function invalid(field: string, message: string): TraceStoreError {
  return new TraceStoreError('INVALID_PARAMETER', `malformed parameter ${field}: ${message}`, field);
}

/** Parses a trace id in hex (Jaeger accepts 1 to 32 digits; shorter ids are zero-padded on the left). */
export function parseTraceId(text: string, field = 'traceID'): Buffer {
  if (!/^[0-9a-fA-F]{1,32}$/.test(text)) throw invalid(field, `"${text}" is not a hex trace id`);
  return Buffer.from(text.padStart(32, '0'), 'hex');
}

function integerParam(query: Query, name: string): bigint | undefined {
  const text = one(query, name);
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw invalid(name, `"${text}" is not an integer`);
  return BigInt(text);
}

function durationParam(query: Query, name: string): bigint | undefined {
  const text = one(query, name);
  if (text === undefined || text === '') return undefined;
  const ns = tryParseDuration(text);
  if (ns === null || ns < 0n) throw invalid(name, `"${text}" is not a duration such as 100ms or 1.5s`);
  return ns;
}

function limitParam(query: Query, name: string): number {
  const n = integerParam(query, name);
  if (n === undefined || n === 0n) return defaultLimit;
  return Number(n > BigInt(maxLimit) ? BigInt(maxLimit) : n);
}

function tagsParam(query: Query): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const text of many(query, 'tags')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalid('tags', 'expected a JSON object of strings');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalid('tags', 'expected a JSON object of strings');
    }
    for (const [k, v] of Object.entries(parsed)) tags[k] = String(v);
  }
  for (const text of many(query, 'tag')) {
    const at = text.indexOf(':');
    if (at <= 0) throw invalid('tag', `"${text}" is not key:value`);
    tags[text.slice(0, at)] = text.slice(at + 1);
  }
  return tags;
}

function jaegerEnvelope(data: unknown, total = 0): Record<string, unknown> {
  return { data, total, limit: 0, offset: 0, errors: null };
}

function isV3(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/v3/');
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: TraceStoreError): FastifyReply {
  reply.code(error.status).type('application/json');
  if (isV3(request)) {
    return reply.send({
      error: { httpCode: error.status, message: error.message, code: error.code, field: error.field ?? null },
    });
  }
  return reply.send({
    data: null,
    total: 0,
    limit: 0,
    offset: 0,
    errors: [{ code: error.status, msg: error.message, error: error.code, field: error.field ?? null }],
  });
}

export function createQueryServer(options: QueryServerOptions): FastifyInstance {
  // Closing cuts the connections still open: a read cut at shutdown loses nothing, and a connection whose
  // client went away mid-query must not hold the shutdown for the keep-alive timeout.
  const app = Fastify({ forceCloseConnections: true });
  const logError = options.logError ?? stderrErrorLog('tracestore');
  // Metrics and probes; /ready as Jaeger's and Loki's readiness path.
  const admin = new AdminEndpoints({
    metrics: options.registry,
    ready: { store: options.isReady },
    routes: { '/ready': 'ready' },
    onError: (error, path) =>
      logError({
        message: 'request failed',
        code: 'INTERNAL_ERROR',
        method: 'GET',
        path,
        ...errorFields(error),
      }),
  });
  // Browser safety: Host (DNS rebinding) and Origin, before the token and the routes.
  installFastifyGuard(app);
  const tenants = new WeakMap<FastifyRequest, string>();
  /** The store of the request's tenant, decided once in the onRequest hook. */
  const storeOf = (request: FastifyRequest): SpanStore => options.storeFor(tenants.get(request)!);

  const maxAnalysisSpans = options.maxAnalysisSpans ?? defaultMaxAnalysisSpans;
  const loadTrace = (store: SpanStore, traceId: Buffer): DecodedTrace | null => {
    const stored = store.getTrace(traceId);
    return stored ? decodeTrace(stored) : null;
  };

  const search = (store: SpanStore, q: TraceQuery): DecodedTrace[] =>
    store
      .findTraceIds(q, matchTags)
      .map((id) => loadTrace(store, id))
      .filter((t): t is DecodedTrace => t !== null);

  app.addHook('onRequest', async (request) => {
    // The admin paths are open, as Loki's are: Prometheus scrapes without a tenant token, and the span
    // metrics are aggregates, no span content.
    if (admin.serves(request.url.split('?')[0] ?? '')) return;
    tenants.set(request, options.tenantOf(request.headers));
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof TraceStoreError) return sendError(request, reply, error);
    if (error.statusCode && error.statusCode < 500) {
      return sendError(request, reply, new TraceStoreError('INVALID_PARAMETER', error.message));
    }
    // A bug or a failed read: the answer says only the code; the error is in the log line.
    logError({
      message: 'request failed',
      code: 'INTERNAL_ERROR',
      method: request.method,
      path: request.url.split('?')[0],
      ...errorFields(error),
    });
    return sendError(request, reply, new TraceStoreError('INTERNAL_ERROR', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new TraceStoreError('NOT_FOUND', `no route ${request.method} ${request.url}`)),
  );

  app.register(fastifyAdmin, { admin });

  // Jaeger UI / Grafana JSON API.
  app.get('/api/services', async (request) => {
    const services = storeOf(request).services();
    return jaegerEnvelope(services, services.length);
  });
  app.get<{ Params: { service: string } }>('/api/services/:service/operations', async (request) => {
    const names = [
      ...new Set(
        storeOf(request)
          .operations(request.params.service)
          .map((o) => o.name),
      ),
    ];
    return jaegerEnvelope(names, names.length);
  });
  app.get('/api/operations', async (request) => {
    const query = request.query as Query;
    const service = one(query, 'service');
    if (!service) throw invalid('service', 'parameter service is required');
    const kind = one(query, 'spanKind') ?? '';
    const ops = storeOf(request)
      .operations(service)
      .map((o) => ({ name: o.name, spanKind: jaegerSpanKinds[o.kind] ?? '' }))
      .filter((o) => kind === '' || o.spanKind === kind);
    return jaegerEnvelope(ops, ops.length);
  });
  app.get<{ Params: { id: string } }>('/api/traces/:id', async (request) => {
    const trace = loadTrace(storeOf(request), parseTraceId(request.params.id));
    if (!trace) throw new TraceStoreError('TRACE_NOT_FOUND', 'trace not found', 'traceID');
    return jaegerEnvelope([jaegerTrace(trace)]);
  });
  app.get('/api/traces', async (request) => {
    const query = request.query as Query;
    const ids = many(query, 'traceID');
    if (ids.length > 0) {
      const traces = ids
        .map((id) => loadTrace(storeOf(request), parseTraceId(id)))
        .filter((t): t is DecodedTrace => t !== null);
      return jaegerEnvelope(traces.map(jaegerTrace));
    }
    const service = one(query, 'service');
    if (!service) throw invalid('service', 'parameter service is required');
    const endUs = integerParam(query, 'end') ?? BigInt(Date.now()) * 1000n;
    // The Jaeger UI also sends `lookback` ("1h", or "custom" with start/end); like Jaeger, only start and
    // end count, and without start the window is the day before end.
    const startUs = integerParam(query, 'start') ?? endUs - dayNs / 1000n;
    const minDuration = durationParam(query, 'minDuration');
    const maxDuration = durationParam(query, 'maxDuration');
    if (minDuration !== undefined && maxDuration !== undefined && maxDuration < minDuration) {
      throw invalid('maxDuration', 'maxDuration must be at least minDuration');
    }
    const traces = search(storeOf(request), {
      service,
      operation: one(query, 'operation') || undefined,
      startMinNs: startUs * 1000n,
      startMaxNs: endUs * 1000n,
      durationMinNs: minDuration,
      durationMaxNs: maxDuration,
      tags: tagsParam(query),
      limit: limitParam(query, 'limit'),
    });
    return jaegerEnvelope(traces.map(jaegerTrace));
  });
  app.get('/api/dependencies', async (request) => {
    const query = request.query as Query;
    const endMs = integerParam(query, 'endTs') ?? BigInt(Date.now());
    const lookbackMs = integerParam(query, 'lookback') ?? 86_400_000n;
    return jaegerEnvelope(
      storeOf(request).dependencies((endMs - lookbackMs) * 1_000_000n, endMs * 1_000_000n),
    );
  });

  // Jaeger v2 API v3 (HTTP gateway).
  const v3Time = (query: Query, name: string, required: boolean): bigint | undefined => {
    const text = one(query, name);
    if (text === undefined || text === '') {
      if (required) throw invalid(name, `${name} is required`);
      return undefined;
    }
    const ns = parseRfc3339Nano(text);
    if (ns === null) throw invalid(name, `"${text}" is not an RFC 3339 time`);
    return ns;
  };
  const v3Traces = (traces: DecodedTrace[]) => {
    if (traces.length === 0) throw new TraceStoreError('TRACE_NOT_FOUND', 'No traces found');
    return { result: tracesDataJson(traces) };
  };
  app.get<{ Params: { id: string } }>('/api/v3/traces/:id', async (request) => {
    const trace = loadTrace(storeOf(request), parseTraceId(request.params.id, 'trace_id'));
    return v3Traces(trace ? [trace] : []);
  });
  app.get('/api/v3/traces', async (request) => {
    const query = request.query as Query;
    const attributes = one(query, 'query.attributes');
    let tags: Record<string, string> = {};
    if (attributes) {
      try {
        tags = Object.fromEntries(
          Object.entries(JSON.parse(attributes) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        );
      } catch {
        throw invalid('query.attributes', 'expected a JSON object');
      }
    }
    const n = integerParam(query, 'query.num_traces');
    return v3Traces(
      search(storeOf(request), {
        service: one(query, 'query.service_name') || undefined,
        operation: one(query, 'query.operation_name') || undefined,
        startMinNs: v3Time(query, 'query.start_time_min', true)!,
        startMaxNs: v3Time(query, 'query.start_time_max', true)!,
        durationMinNs: durationParam(query, 'query.duration_min'),
        durationMaxNs: durationParam(query, 'query.duration_max'),
        tags,
        limit: n === undefined || n === 0n ? defaultLimit : Math.min(Number(n), maxLimit),
      }),
    );
  });
  app.get('/api/v3/services', async (request) => ({ services: storeOf(request).services() }));
  app.get('/api/v3/operations', async (request) => {
    const query = request.query as Query;
    const service = one(query, 'service') ?? '';
    const kind = one(query, 'span_kind') ?? one(query, 'spanKind') ?? '';
    const operations = storeOf(request)
      .operations(service)
      .map((o) => ({ name: o.name, spanKind: jaegerSpanKinds[o.kind] || 'internal' }))
      .filter((o) => kind === '' || o.spanKind === kind);
    return { operations };
  });
  app.get('/api/v3/dependencies', async (request) => {
    const query = request.query as Query;
    const start = v3Time(query, 'start_time', true)!;
    const end = v3Time(query, 'end_time', true)!;
    if (end <= start) throw invalid('end_time', 'end_time must be after start_time');
    return { dependencies: storeOf(request).dependencies(start, end) };
  });

  // Console.
  const analyze = (store: SpanStore, traceId: Buffer, gone: AbortSignal): Promise<TraceAnalysis | null> => {
    const pool = options.analysisPool;
    if (!pool || store.file === ':memory:') {
      const stored = store.getTrace(traceId, maxAnalysisSpans);
      return Promise.resolve(stored ? analyzeTrace(decodeTrace(stored), maxAnalysisSpans) : null);
    }
    const task = {
      file: store.file,
      driver: store.db.driver,
      maxSpansPerTrace: store.maxSpansPerTrace,
      traceId: traceId.toString('hex'),
      maxSpans: maxAnalysisSpans,
    };
    return pool.analyze(task, { signal: gone });
  };
  app.get<{ Params: { id: string } }>('/api/opsight/traces/:id/analysis', async (request, reply) => {
    const analysis = await analyze(storeOf(request), parseTraceId(request.params.id), clientGone(reply.raw));
    if (!analysis) throw new TraceStoreError('TRACE_NOT_FOUND', 'trace not found', 'traceID');
    return analysis;
  });
  return app;
}
