// The HTTP server: Loki's API paths and response shapes over the storage and the LogQL engine.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type GuardOptions, guardRequestListener, guardUpgradeListener } from '@opsight/http-guard';
import type { SqliteDriverName } from '@opsight/sqlite';
import { requestTenant, type TenantAuthenticator, tokensEqual } from '@opsight/tenant-auth';
import { WebSocketServer } from 'ws';
import { ERROR_CODES, type ErrorCode } from '../error-codes.js';
import type { Labels } from '../labels.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import { QueryEngine, QueryError } from '../logql/engine.js';
import { compilePipeline } from '../logql/pipeline.js';
import { decodeOtlpLogs } from '../push/decode-otlp.js';
import { decodePush, PushDecodeError } from '../push/decode-push.js';
import { Ingester, type PushOutcome } from '../push/ingester.js';
import { LogStorage } from '../storage/log-storage.js';
import { defaultRetentionBytes, Retention } from '../storage/retention.js';
import { type ErrorLog, errorFields, stderrErrorLog } from './error-log.js';
import { StoreMetrics } from './metrics.js';
import { BadParam, parseDirection, parseLimit, parseStep, parseTime } from './params.js';

export interface LogStoreOptions {
  /** Directory of the database; `:memory:` for an in-memory store. */
  dataDir: string;
  /** Host to bind. @default '127.0.0.1' */
  host?: string;
  /** Port to bind; 0 picks a free one. @default 3100 */
  port?: number;
  /** Limit overrides for every tenant (Loki limits_config names). @default DEFAULT_LIMITS */
  limits?: Partial<Limits>;
  /**
   * Tenancy by token (`--auth-tokens-file`, a TokensFile): every request but /ready and /metrics must carry
   * `Authorization: Bearer <token>`; the tenant is the token's, and an X-Scope-OrgID naming another
   * tenant is refused (403 TENANT_MISMATCH). Per-tenant limits and the size budget's shares follow
   * that tenant. @default undefined (no tenancy by token)
   */
  tenantAuth?: TenantAuthenticator;
  /**
   * One shared token (`--auth-token-file`), the older and weaker mode: every API request must carry
   * `Authorization: Bearer <token>` (/ready and /metrics excepted), and the tenant is still X-Scope-OrgID. Ignored
   * when `tenantAuth` is set. @default undefined
   */
  authToken?: string;
  /**
   * Multi-tenant mode (Loki's auth_enabled): X-Scope-OrgID is required. Otherwise requests without
   * it use the tenant `fake`, as single-tenant Loki does. @default false
   */
  requireTenant?: boolean;
  /** Retention by age in ms (0 keeps forever). @default 0 */
  retentionMaxAgeMs?: number;
  /**
   * Retention by size (`--retention-bytes`): budget in bytes of database pages in use, enforced
   * oldest first, periodically and after writes; 0 is unbounded. @default 2 GiB, or a fifth of
   * the data directory's filesystem if smaller (defaultRetentionBytes)
   */
  retentionMaxBytes?: number;
  /** Seconds a client is told to wait (Retry-After) when the disk is full. @default 5 */
  storageFullRetryAfterSeconds?: number;
  /** How often retention runs, ms. @default 60000 */
  retentionIntervalMs?: number;
  /**
   * How often entries older than the out-of-order window are sealed into compressed chunks, ms;
   * 0 turns sealing off (POST /flush still seals). @default 30000
   */
  sealIntervalMs?: number;
  /** Commit durability: see StorageOptions.sync. @default 'normal' */
  sync?: 'normal' | 'full';
  /** The SQLite driver of the database. @default DEFAULT_SQLITE_DRIVER of @opsight/sqlite */
  sqliteDriver?: SqliteDriverName;
  /**
   * Largest accepted request body in bytes, on the wire and again once decompressed (checked while
   * decompressing: a decompression bomb stops at this size). @default 67108864 (64 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Browser safety (@opsight/http-guard): Host names besides loopback names and IP literals, origins that
   * may push and tail besides the console's. Env `OPSIGHT_ALLOWED_HOSTS` and `OPSIGHT_ALLOWED_ORIGINS` add
   * to these. @default {} (loopback names, IP literals; the console's origin)
   */
  guard?: Pick<GuardOptions, 'allowedHosts' | 'allowedOrigins'>;
  /**
   * Where the error behind a 500 INTERNAL answer, a 503 STORAGE_* answer or a tail closed with 1011 goes:
   * the answer says only the code and fixed words. @default one JSON line on stderr (stderrErrorLog)
   */
  logError?: ErrorLog;
}

const PUSH_TYPES = ['application/json', 'application/x-protobuf'] as const;
const QUERY_TYPES = ['application/x-www-form-urlencoded'] as const;

/** The media types a write may declare: Loki's and OTLP's JSON or protobuf on pushes; elsewhere a form. */
export function logstoreWriteTypes(path: string): readonly string[] {
  const p = path.replace(/\/+$/, '');
  return p === '/loki/api/v1/push' || p === '/api/prom/push' || p === '/otlp/v1/logs'
    ? PUSH_TYPES
    : QUERY_TYPES;
}

export interface LogStore {
  readonly server: Server;
  readonly storage: LogStorage;
  readonly engine: QueryEngine;
  readonly metrics: StoreMetrics;
  /** Base URL once listening, e.g. http://127.0.0.1:3100 */
  url: string;
  listen(): Promise<string>;
  /** Runs retention once now. */
  retain(nowMs?: number): number;
  close(): Promise<void>;
}

const SINGLE_TENANT = 'fake';
const NS = 1_000_000_000n;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * A write that failed for lack of disk space or an I/O error, as a 503 to retry. SQLite rolls the
 * transaction back, so nothing of the request was stored (and nothing was acknowledged).
 */
function storageWriteError(e: unknown, retryAfterSeconds: number): HttpError | undefined {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return new HttpError(
      503,
      'STORAGE_FULL',
      'storage full: the disk of the log store has no space left; nothing of this request was stored',
      undefined,
      retryAfterSeconds,
    );
  if (code.startsWith('SQLITE_IOERR'))
    return new HttpError(
      503,
      'STORAGE_IO_ERROR',
      `storage I/O error (${code}): nothing of this request was stored`,
      undefined,
      retryAfterSeconds,
    );
  return undefined;
}

type Tail = {
  tenant: string;
  send: (streams: Array<{ labels: Labels; ts: bigint; line: string; metadata?: Labels }>) => void;
};

export function createLogStore(options: LogStoreOptions): LogStore {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const limitsFor = () => limits;
  const storage = new LogStorage({
    dataDir: options.dataDir,
    sync: options.sync ?? 'normal',
    ...(options.sqliteDriver ? { driver: options.sqliteDriver } : {}),
  });
  const engine = new QueryEngine(storage, limitsFor);
  const ingester = new Ingester(storage, limitsFor);
  const metrics = new StoreMetrics();
  const tails = new Set<Tail>();
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const retryAfter = options.storageFullRetryAfterSeconds ?? 5;
  const logError = options.logError ?? stderrErrorLog;
  const retention = new Retention(
    storage,
    {
      maxAgeMs: options.retentionMaxAgeMs ?? 0,
      maxBytes: options.retentionMaxBytes ?? defaultRetentionBytes(options.dataDir),
      tenants: () => options.tenantAuth?.tenants() ?? [],
    },
    (run) => {
      if (run instanceof Error) {
        const failure = storageWriteError(run, retryAfter);
        metrics.writeFailures.inc({ operation: 'retention', code: failure?.code ?? 'INTERNAL' });
        return;
      }
      metrics.retentionDeleted.inc(run.entries);
      metrics.retentionEvictedBytes.inc(run.bytes);
    },
  );
  metrics.retentionBudget.set(retention.budgetBytes());

  const tenantAuth = options.tenantAuth;
  const tenantOf = (req: IncomingMessage): string => {
    if (tenantAuth) {
      const d = requestTenant(tenantAuth, req.headers.authorization, req.headers['x-scope-orgid']);
      if (!d.ok) throw new HttpError(d.status, d.code, d.message, d.field);
      return d.tenant!;
    }
    const h = req.headers['x-scope-orgid'];
    const t = Array.isArray(h) ? h[0] : h;
    if (!t) {
      if (options.requireTenant) throw new HttpError(401, 'NO_ORG_ID', 'no org id', 'X-Scope-OrgID');
      return SINGLE_TENANT;
    }
    if (t.includes('|'))
      throw new HttpError(
        400,
        'MULTIPLE_TENANTS',
        'multiple tenants are not supported by this endpoint',
        'X-Scope-OrgID',
      );
    if (!/^[a-zA-Z0-9!\-_.*'()]{1,150}$/.test(t))
      throw new HttpError(
        400,
        'INVALID_TENANT',
        `tenant ID '${t}' contains unsupported characters`,
        'X-Scope-OrgID',
      );
    return t;
  };

  const checkAuth = (req: IncomingMessage) => {
    if (tenantAuth) {
      // Any known token may reach the API; which tenant it acts as is tenantOf's business.
      const d = requestTenant(tenantAuth, req.headers.authorization, undefined);
      if (!d.ok) throw new HttpError(d.status, d.code, d.message, d.field);
      return;
    }
    if (!options.authToken) return;
    if (!tokensEqual(req.headers.authorization ?? '', `Bearer ${options.authToken}`)) {
      throw new HttpError(401, 'UNAUTHORIZED', 'missing or invalid bearer token', 'Authorization');
    }
  };

  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          // Stop buffering at once; answer 413, then close the connection (the rest is not read).
          req.off('data', onData);
          chunks.length = 0;
          req.pause();
          reject(
            new HttpError(413, 'REQUEST_BODY_TOO_LARGE', `request body too large: over ${maxBody} bytes`),
          );
          return;
        }
        chunks.push(c);
      };
      req.on('data', onData);
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const params = async (req: IncomingMessage, url: URL): Promise<URLSearchParams> => {
    const p = new URLSearchParams(url.searchParams);
    if (req.method === 'POST') {
      const ct = (req.headers['content-type'] ?? '').toLowerCase();
      const body = await readBody(req);
      if (ct.startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(body.toString('utf8'))) p.append(k, v);
      }
    }
    return p;
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  const onPushed = (tenant: string, stored: PushOutcome['stored']) => {
    if (tails.size === 0 || stored.length === 0) return;
    const flat = stored.flatMap((s) => s.entries.map((e) => ({ labels: s.labels, ...e })));
    for (const t of tails) if (t.tenant === tenant) t.send(flat);
  };

  const push = async (req: IncomingMessage, res: ServerResponse, otlp: boolean) => {
    const tenant = tenantOf(req);
    const body = await readBody(req);
    let streams: ReturnType<typeof decodePush>;
    try {
      streams = otlp
        ? decodeOtlpLogs(
            body,
            req.headers['content-type'] ?? '',
            String(req.headers['content-encoding'] ?? ''),
            maxBody,
          )
        : decodePush(
            body,
            req.headers['content-type'] ?? '',
            String(req.headers['content-encoding'] ?? ''),
            maxBody,
          );
    } catch (e) {
      if (e instanceof PushDecodeError)
        throw new HttpError(ERROR_CODES[e.code].status, e.code, e.message, e.field);
      throw e;
    }
    const lines = streams.reduce((n, s) => n + s.entries.length, 0);
    const bytes = streams.reduce(
      (n, s) => n + s.entries.reduce((m, e) => m + Buffer.byteLength(e.line), 0),
      0,
    );
    metrics.linesReceived.inc({ tenant }, lines);
    metrics.bytesReceived.inc({ tenant }, bytes);
    let out: PushOutcome;
    try {
      out = ingester.push(tenant, streams);
    } catch (e) {
      const failure = storageWriteError(e, retryAfter);
      if (!failure) throw e;
      metrics.writeFailures.inc({ operation: 'push', code: failure.code });
      metrics.storageFull.set(failure.code === 'STORAGE_FULL' ? 1 : 0);
      throw failure;
    }
    metrics.storageFull.set(0);
    retention.afterWrite();
    for (const [reason, n] of Object.entries(out.discarded)) metrics.discarded.inc({ reason, tenant }, n);
    if (out.truncated.lines > 0) {
      metrics.mutatedSamples.inc({ reason: 'line_too_long', tenant }, out.truncated.lines);
      metrics.mutatedBytes.inc({ reason: 'line_too_long', tenant }, out.truncated.bytes);
    }
    metrics.streams.set({ tenant }, ingester.activeStreams(tenant));
    onPushed(tenant, out.stored);
    if (out.status === 204) {
      res.writeHead(204);
      res.end();
      return;
    }
    const first = out.errors[0]!;
    const shown = out.errors.slice(0, 10).map((e) => e.message);
    if (out.errors.length > 10) shown.push(`(and ${out.errors.length - 10} more errors)`);
    json(res, out.status, {
      status: 'error',
      code: first.code,
      field: first.field,
      error: shown.join('\n'),
      errors: out.errors.slice(0, 100),
      accepted: out.accepted,
    });
  };

  const queryResponse = (data: ReturnType<QueryEngine['run']>) => {
    const s = data.stats;
    return {
      status: 'success',
      data: {
        ...data.data,
        stats: {
          summary: {
            bytesProcessedPerSecond:
              s.execTimeSeconds > 0 ? Math.round(s.bytesProcessed / s.execTimeSeconds) : 0,
            linesProcessedPerSecond:
              s.execTimeSeconds > 0 ? Math.round(s.linesProcessed / s.execTimeSeconds) : 0,
            totalBytesProcessed: s.bytesProcessed,
            totalLinesProcessed: s.linesProcessed,
            execTime: s.execTimeSeconds,
            queueTime: 0,
            subqueries: 0,
            totalEntriesReturned: s.entriesReturned,
            splits: 0,
            shards: 0,
          },
          querier: { store: { totalChunksRef: 0, totalChunksDownloaded: 0, chunksDownloadTime: 0 } },
          ingester: { totalReached: 1, totalChunksMatched: 0, totalBatches: 0, totalLinesSent: 0 },
        },
      },
    };
  };

  const query = async (req: IncomingMessage, res: ServerResponse, url: URL, instant: boolean) => {
    const tenant = tenantOf(req);
    const p = await params(req, url);
    const q = p.get('query');
    if (!q) throw new HttpError(400, 'MISSING_QUERY', 'query parameter is required', 'query');
    const now = BigInt(Date.now()) * 1_000_000n;
    const limit = parseLimit(p.get('limit'), 100);
    const direction = parseDirection(p.get('direction'));
    let start: bigint;
    let end: bigint;
    let step: bigint;
    if (instant) {
      end = parseTime(p.get('time'), now, 'time');
      start = end;
      step = 0n;
      if (engine.parse(q).kind === 'log') {
        throw new HttpError(
          400,
          'LOG_QUERY_NOT_INSTANT',
          'log queries are not supported as an instant query type, please change your query to a range query type',
        );
      }
    } else {
      end = parseTime(p.get('end'), now, 'end');
      start = parseTime(p.get('start'), end - 3600n * NS, 'start');
      if (end < start)
        throw new HttpError(
          400,
          'INVALID_RANGE',
          'end timestamp must not be before or equal to start time',
          'end',
        );
      const st = p.get('step');
      const secs = Math.max(Math.ceil(Number(end - start) / 1e9 / 250), 1);
      step = st ? parseStep(st, 'step') : BigInt(secs) * NS;
      if (step <= 0n)
        throw new HttpError(
          400,
          'INVALID_STEP',
          'zero or negative query resolution step widths are not accepted. Try a positive integer',
          'step',
        );
    }
    const out = engine.run(tenant, { query: q, start, end, step, limit, direction, instant });
    json(res, 200, queryResponse(out));
  };

  const timeRange = (p: URLSearchParams): [bigint, bigint] => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const end = parseTime(p.get('end'), now, 'end');
    const start = parseTime(p.get('start'), end - 6n * 3600n * NS, 'start');
    return [start, end];
  };

  const selectedStreams = (tenant: string, p: URLSearchParams, key = 'match[]') => {
    const [start, end] = timeRange(p);
    const matches = p.getAll(key).concat(key === 'match[]' ? p.getAll('match') : []);
    if (matches.length === 0) return engine.matchStreams(tenant, [], start, end + 1n).filter(() => true);
    const seen = new Map<number, ReturnType<LogStorage['streams']>[number]>();
    for (const m of matches) {
      const parsed = engine.parse(m);
      if (parsed.kind !== 'log')
        throw new HttpError(400, 'INVALID_MATCH', `invalid match[]: ${m} is not a stream selector`, key);
      for (const s of engine.matchStreams(tenant, parsed.selector.matchers, start, end + 1n))
        seen.set(s.id, s);
    }
    return [...seen.values()];
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path === '/ready') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ready\n');
      return '/ready';
    }
    // Open, as Loki serves it: Prometheus scrapes it without a tenant token. It holds counts per tenant
    // name, no log content.
    if (path === '/metrics') {
      metrics.storageBytes.set(storage.usedBytes());
      for (const t of ingester.active.tenants())
        metrics.streams.set({ tenant: t }, ingester.activeStreams(t));
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return '/metrics';
    }
    checkAuth(req);
    if (path === '/flush') {
      // Loki's ingester endpoint: here it seals what the out-of-order window allows, now.
      if (method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use POST');
      seal(1);
      res.writeHead(204);
      res.end();
      return '/flush';
    }
    const api = path.replace(/^\/api\/prom\//, '/loki/api/v1/');
    if (api === '/loki/api/v1/status/buildinfo') {
      // Grafana reads the version to pick the query features it offers (Loki 3 API).
      json(res, 200, {
        version: '3.0.0',
        revision: 'opsight-logstore',
        branch: '',
        buildUser: '',
        buildDate: '',
        goVersion: '',
      });
      return api;
    }
    if (api === '/loki/api/v1/push') {
      if (method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use POST');
      await push(req, res, false);
      return api;
    }
    if (api === '/otlp/v1/logs') {
      if (method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use POST');
      await push(req, res, true);
      return api;
    }
    if (method !== 'GET' && method !== 'POST')
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET or POST');
    switch (api) {
      case '/loki/api/v1/query':
        await query(req, res, url, true);
        return api;
      case '/loki/api/v1/query_range':
        await query(req, res, url, false);
        return api;
      case '/loki/api/v1/labels': {
        const tenant = tenantOf(req);
        const p = await params(req, url);
        const names = new Set<string>();
        const q = p.get('query');
        const streams = q
          ? selectedStreams(tenant, new URLSearchParams([...p, ['match[]', q]]))
          : selectedStreams(tenant, p);
        for (const s of streams) for (const k of Object.keys(s.labels)) names.add(k);
        json(res, 200, { status: 'success', data: [...names].sort() });
        return api;
      }
      case '/loki/api/v1/series': {
        const tenant = tenantOf(req);
        const p = await params(req, url);
        if (p.getAll('match[]').length + p.getAll('match').length === 0) {
          throw new HttpError(
            400,
            'MISSING_MATCH',
            'at least one match[] argument must be provided',
            'match[]',
          );
        }
        json(res, 200, { status: 'success', data: selectedStreams(tenant, p).map((s) => s.labels) });
        return api;
      }
      case '/loki/api/v1/index/stats': {
        const tenant = tenantOf(req);
        const p = await params(req, url);
        const q = p.get('query');
        if (!q) throw new HttpError(400, 'MISSING_QUERY', 'query parameter is required', 'query');
        const [start, end] = timeRange(p);
        const streams = selectedStreams(tenant, new URLSearchParams([...p, ['match[]', q]]));
        const c = storage.countRange(streams, start, end + 1n);
        json(res, 200, { streams: streams.length, chunks: 0, entries: c.entries, bytes: c.bytes });
        return api;
      }
      case '/loki/api/v1/index/volume': {
        const tenant = tenantOf(req);
        const p = await params(req, url);
        const q = p.get('query');
        if (!q) throw new HttpError(400, 'MISSING_QUERY', 'query parameter is required', 'query');
        const [start, end] = timeRange(p);
        const targets = (p.get('targetLabels') ?? '').split(',').filter(Boolean);
        const streams = selectedStreams(tenant, new URLSearchParams([...p, ['match[]', q]]));
        const byKey = new Map<string, { metric: Labels; bytes: number }>();
        for (const s of streams) {
          const metric: Labels = {};
          const names = targets.length > 0 ? targets : Object.keys(s.labels);
          for (const n of names) if (s.labels[n] !== undefined) metric[n] = s.labels[n]!;
          const key = JSON.stringify(Object.entries(metric).sort());
          const c = storage.countRange([s], start, end + 1n);
          const prev = byKey.get(key) ?? { metric, bytes: 0 };
          prev.bytes += c.bytes;
          byKey.set(key, prev);
        }
        const t = Number(end / NS);
        json(res, 200, {
          status: 'success',
          data: {
            resultType: 'vector',
            result: [...byKey.values()]
              .sort((a, b) => b.bytes - a.bytes)
              .map((v) => ({ metric: v.metric, value: [t, String(v.bytes)] })),
          },
        });
        return api;
      }
      default: {
        const m = /^\/loki\/api\/v1\/label\/([^/]+)\/values$/.exec(api);
        if (m) {
          const tenant = tenantOf(req);
          const p = await params(req, url);
          const name = decodeURIComponent(m[1]!);
          const q = p.get('query');
          const streams = q
            ? selectedStreams(tenant, new URLSearchParams([...p, ['match[]', q]]))
            : selectedStreams(tenant, p);
          const values = new Set<string>();
          for (const s of streams) if (s.labels[name] !== undefined) values.add(s.labels[name]!);
          json(res, 200, { status: 'success', data: [...values].sort() });
          return '/loki/api/v1/label/values';
        }
        throw new HttpError(404, 'NOT_FOUND', `no route for ${method} ${url.pathname}`);
      }
    }
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    route(req, res)
      .then((r) => r)
      .catch((e: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return 'error';
        }
        const failure = e instanceof HttpError ? undefined : storageWriteError(e, retryAfter);
        if (failure) {
          logError({ message: 'write failed; answered 503', code: failure.code, ...errorFields(e) });
          e = failure;
        }
        if (e instanceof HttpError) {
          if (e.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(e.retryAfterSeconds));
          if (e.status === 413) {
            res.setHeader('connection', 'close');
            res.on('finish', () => req.destroy());
          }
          json(res, e.status, { status: 'error', code: e.code, error: e.message, field: e.field });
        } else if (e instanceof QueryError)
          json(res, e.status, { status: 'error', code: e.code, error: e.message });
        else if (e instanceof BadParam)
          json(res, 400, { status: 'error', code: 'INVALID_PARAMETER', error: e.message, field: e.field });
        else {
          // A bug or a failed read: the answer says only the code; the error is in the log line.
          logError({
            message: 'request failed',
            code: 'INTERNAL',
            method: req.method,
            path: (req.url ?? '/').split('?')[0],
            ...errorFields(e),
          });
          json(res, 500, { status: 'error', code: 'INTERNAL', error: 'internal error' });
        }
        return 'error';
      })
      .then((r) => {
        metrics.requestDuration.observe(
          { method: req.method ?? '', route: r, status_code: String(res.statusCode) },
          (performance.now() - started) / 1000,
        );
      });
  };
  const guard: GuardOptions = { ...options.guard, writeContentTypes: logstoreWriteTypes };
  const server = createServer(guardRequestListener(handleRequest, guard));

  // Live tailing over WebSocket: /loki/api/v1/tail?query=…&start=…&limit=…
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reject = (status: number, message: string) => {
      socket.end(
        `HTTP/1.1 ${status} Error\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${message}`,
      );
    };
    if (url.pathname !== '/loki/api/v1/tail') return reject(404, 'not found');
    let tenant: string;
    let selector: ReturnType<QueryEngine['parse']>;
    try {
      checkAuth(req);
      tenant = tenantOf(req);
      selector = engine.parse(url.searchParams.get('query') ?? '');
    } catch (e) {
      if (e instanceof HttpError) return reject(e.status, e.message);
      if (e instanceof QueryError) return reject(e.status, e.message);
      if (e instanceof BadParam) return reject(400, e.message);
      logError({ message: 'tail refused', code: 'INTERNAL', path: url.pathname, ...errorFields(e) });
      return reject(500, 'internal error');
    }
    if (selector.kind !== 'log') return reject(400, 'tail needs a log query');
    const sel = selector.selector;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const trace = sel.matchers.find((m) => m.name === 'trace_id');
      const run = compilePipeline(
        trace
          ? [{ kind: 'labelFilter', filter: { kind: 'matcher', matcher: trace } }, ...sel.stages]
          : sel.stages,
      );
      const streamMatch = (labels: Labels) => sel.matchers.every((m) => matchOne(m, labels));
      const send = (entries: Array<{ labels: Labels; ts: bigint; line: string; metadata?: Labels }>) => {
        const out = new Map<string, { stream: Labels; values: Array<[string, string]> }>();
        for (const e of entries) {
          if (!streamMatch(e.labels)) continue;
          const r = run({ ts: e.ts, line: e.line, streamLabels: e.labels, metadata: e.metadata });
          if (!r) continue;
          const key = JSON.stringify(Object.entries(r.labels).sort());
          const s = out.get(key) ?? { stream: r.labels, values: [] };
          s.values.push([e.ts.toString(), r.line]);
          out.set(key, s);
        }
        if (out.size > 0 && ws.readyState === ws.OPEN)
          ws.send(JSON.stringify({ streams: [...out.values()] }));
      };
      // History first: entries since `start` (default one hour ago), oldest first, up to `limit`.
      try {
        const now = BigInt(Date.now()) * 1_000_000n;
        const start = parseTime(url.searchParams.get('start'), now - 3600n * NS, 'start');
        const limit = parseLimit(url.searchParams.get('limit'), 100);
        const hist = engine.run(tenant, {
          query: url.searchParams.get('query')!,
          start,
          end: now + 1n,
          step: 0n,
          limit,
          direction: 'backward',
          instant: false,
        });
        if (hist.data.resultType === 'streams' && hist.data.result.length > 0) {
          for (const s of hist.data.result) s.values.reverse();
          ws.send(JSON.stringify({ streams: hist.data.result }));
        }
      } catch (e) {
        const clientError = e instanceof QueryError || e instanceof BadParam || e instanceof HttpError;
        if (!clientError)
          logError({ message: 'tail failed', code: 'INTERNAL', path: url.pathname, ...errorFields(e) });
        ws.close(1011, clientError ? (e as Error).message.slice(0, 100) : 'internal error');
        return;
      }
      const tail: Tail = { tenant, send };
      tails.add(tail);
      ws.on('close', () => tails.delete(tail));
    });
  };
  server.on('upgrade', guardUpgradeListener(onUpgrade, guard));

  let timer: NodeJS.Timeout | undefined;
  let sealTimer: NodeJS.Timeout | undefined;
  const seal = (minEntries?: number) => {
    const n = storage.seal(BigInt(limits.out_of_order_window_ms) * 1_000_000n, minEntries);
    metrics.sealedEntries.inc(n);
    return n;
  };
  /** The periodic seal: a failure (a full disk) is counted and retried next time, never thrown. */
  const sealSafely = () => {
    if (!storage.db.open) return;
    try {
      seal();
    } catch (e) {
      const failure = storageWriteError(e, retryAfter);
      metrics.writeFailures.inc({ operation: 'seal', code: failure?.code ?? 'INTERNAL' });
    }
  };
  const retain = (nowMs = Date.now()) => retention.run(nowMs).entries;

  const store: LogStore = {
    server,
    storage,
    engine,
    metrics,
    url: '',
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 3100, options.host ?? '127.0.0.1', () => {
          const a = server.address() as AddressInfo;
          const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          store.url = `http://${host}:${a.port}`;
          const sealEvery = options.sealIntervalMs ?? 30_000;
          if (sealEvery > 0) {
            sealTimer = setInterval(sealSafely, sealEvery);
            sealTimer.unref();
          }
          if (options.retentionMaxAgeMs || retention.budgetBytes() > 0) {
            timer = setInterval(() => retention.runSafely(), options.retentionIntervalMs ?? 60_000);
            timer.unref();
          }
          resolve(store.url);
        });
      }),
    retain,
    close: async () => {
      if (timer) clearInterval(timer);
      if (sealTimer) clearInterval(sealTimer);
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      storage.close();
    },
  };
  return store;
}

function matchOne(
  m: { name: string; op: string; value: string; re?: { matches(s: string): boolean } },
  labels: Labels,
): boolean {
  if (m.name === 'trace_id' && labels.trace_id === undefined) return true; // checked on metadata by the pipeline
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return m.re!.matches(v);
    default:
      return !m.re!.matches(v);
  }
}
