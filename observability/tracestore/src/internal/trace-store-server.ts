// The trace store as one running unit: the span store, the OTLP/HTTP and OTLP/gRPC receivers, the query API
// and the retention timer, started and stopped together.
//
// Disk: retention runs at start, every `retentionIntervalMs`, and after a commit that leaves the live data over
// `retention.maxBytes` (checked at most once a second). A retention pass that fails (a full disk can refuse
// even deletes) is logged and retried at the next pass; it never stops the process. On a full disk, exports
// get 503 STORAGE_FULL with Retry-After until a commit succeeds again (see TraceIngester).
import type * as grpc from '@grpc/grpc-js';
import { traceStoreSpansDroppedTotal, traceStoreStorageFull } from '@opsight/catalog';
import type { ErrorLog } from '@opsight/http-guard';
import type { SqliteDriverName } from '@opsight/sqlite';
import type { TenantAuthenticator } from '@opsight/tenant-auth';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { AnalysisPool } from './analysis/analysis-pool.js';
import { parseListenAddress } from './http/listen-address.js';
import { SpanMetrics } from './metrics/span-metrics.js';
import { bindGrpc, createOtlpGrpcServer } from './otlp/otlp-grpc-receiver.js';
import { createOtlpHttpReceiver } from './otlp/otlp-http-receiver.js';
import { TraceIngester } from './otlp/trace-ingester.js';
import { defaultSpanLimits, type SpanLimits } from './otlp/validate-span.js';
import { createQueryServer } from './query/query-server.js';
import type { RetentionOptions, SpanStore } from './storage/span-store.js';
import { DEFAULT_TENANT, type TenantAccess, tenantOfRequest } from './tenancy/request-tenant.js';
import { TenantStores } from './tenancy/tenant-stores.js';

export interface TraceStoreServerOptions {
  /** Directory of the span database; ':memory:' keeps nothing. */
  dataDir: string;
  /** OTLP/HTTP listener as host:port, or null for none. @default '127.0.0.1:4318' */
  otlpHttp?: string | null;
  /** OTLP/gRPC listener as host:port, or null for none. @default '127.0.0.1:4317' */
  otlpGrpc?: string | null;
  /** Query API listener as host:port, or null for none. @default '127.0.0.1:16686' */
  query?: string | null;
  /**
   * One shared token for the single tenant (TRACESTORE_BEARER_TOKEN): every request (except GET /ready and /metrics) must
   * carry `Authorization: Bearer <token>`. Ignored when `tenantAuth` is set. @default undefined
   */
  bearerToken?: string;
  /**
   * Tenancy by token (`--auth-tokens-file`): the bearer token decides the tenant, each tenant has its own
   * database and share of `retention.maxBytes`, an X-Scope-OrgID naming another tenant gets 403
   * TENANT_MISMATCH. @default undefined (single tenant)
   */
  tenantAuth?: TenantAuthenticator;
  /** SQLite synchronous mode (see SpanStoreOptions). @default 'FULL' */
  synchronous?: 'FULL' | 'NORMAL';
  /** The SQLite driver of the stores' databases. @default DEFAULT_SQLITE_DRIVER of @opsight/sqlite */
  sqliteDriver?: SqliteDriverName;
  /** Retention limits; `maxBytes` is split per tenant (TenantStores). @default { maxAgeMs: 7 days, maxBytes: 2 GiB } */
  retention?: Partial<RetentionOptions>;
  /** How often retention runs, in milliseconds. @default 60000 */
  retentionIntervalMs?: number;
  /** Per-span limits; spans over them are rejected (partial success). @default defaultSpanLimits */
  limits?: Partial<SpanLimits>;
  /** Largest export request, compressed or decompressed, in bytes. @default 33554432 (32 MiB) */
  maxRequestBytes?: number;
  /** Most spans stored per trace; more are dropped and counted (see SpanStoreOptions). @default 10000 */
  maxSpansPerTrace?: number;
  /** Most spans of one trace the console's analysis covers (see QueryServerOptions). @default 10000 */
  maxAnalysisSpans?: number;
  /**
   * Threads analysing traces for the console (see AnalysisPool); 0 analyses on the store's own thread.
   * @default min(4, max(1, availableParallelism() - 1))
   */
  analysisThreads?: number;
  /** Deadline of one trace analysis, in milliseconds (504 ANALYSIS_TIMEOUT past it). @default 30000 */
  analysisTimeoutMs?: number;
  /** The analysis threads' entry module (see AnalysisPoolOptions.workerUrl). @default the store's own */
  analysisWorkerUrl?: URL;
  /** Retry-After of the 503 answered when a commit fails (full disk), in seconds. @default 5 */
  retryAfterSeconds?: number;
  /**
   * Where the errors behind 500 INTERNAL_ERROR and 503 STORAGE_* answers go; the answers carry the code
   * only. @default one JSON line on stderr (stderrErrorLog)
   */
  logError?: ErrorLog;
}

export interface BoundAddresses {
  otlpHttp: string | null;
  otlpGrpc: string | null;
  query: string | null;
}

export class TraceStoreServer {
  readonly stores: TenantStores;
  readonly registry: Registry;
  private readonly access: TenantAccess;
  addresses: BoundAddresses = { otlpHttp: null, otlpGrpc: null, query: null };
  private http: FastifyInstance | null = null;
  private grpc: grpc.Server | null = null;
  private queryApp: FastifyInstance | null = null;
  /** The console's trace analyses, off the store's thread; null with `analysisThreads: 0`. */
  readonly analysisPool: AnalysisPool | null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private ready = false;
  private lastBudgetCheck = 0;
  private lastRetentionErrorLog = 0;

  private constructor(private readonly options: TraceStoreServerOptions) {
    this.access = { auth: options.tenantAuth, bearerToken: options.bearerToken };
    this.registry = new Registry();
    collectDefaultMetrics({ register: this.registry });
    const store = { spanCount: () => this.stores.spanCount(), usedBytes: () => this.stores.usedBytes() };
    new Gauge({
      name: 'tracestore_stored_spans',
      help: 'Spans held in the store.',
      registers: [this.registry],
      collect() {
        this.set(store.spanCount());
      },
    });
    new Gauge({
      name: 'tracestore_storage_bytes',
      help: 'Bytes of live data in the span database.',
      registers: [this.registry],
      collect() {
        this.set(store.usedBytes());
      },
    });
    const counters = {
      spans: new Counter({
        name: 'tracestore_received_spans_total',
        help: 'Spans received over OTLP, by transport and outcome (stored, rejected).',
        labelNames: ['transport', 'outcome'] as const,
        registers: [this.registry],
      }),
      requests: new Counter({
        name: 'tracestore_export_requests_total',
        help: 'OTLP export requests, by transport and outcome (ok, partial, error).',
        labelNames: ['transport', 'outcome'] as const,
        registers: [this.registry],
      }),
      dropped: new Counter({
        name: traceStoreSpansDroppedTotal.name,
        help: traceStoreSpansDroppedTotal.help,
        labelNames: traceStoreSpansDroppedTotal.labels,
        registers: [this.registry],
      }),
      storageFull: new Gauge({
        name: traceStoreStorageFull.name,
        help: traceStoreStorageFull.help,
        registers: [this.registry],
      }),
    };
    counters.dropped.inc({ reason: 'trace_too_large' }, 0);
    counters.storageFull.set(0);
    this.analysisPool =
      options.analysisThreads === 0
        ? null
        : new AnalysisPool({
            size: options.analysisThreads,
            timeoutMs: options.analysisTimeoutMs,
            workerUrl: options.analysisWorkerUrl,
          });
    const spanMetrics = new SpanMetrics(this.registry);
    this.stores = new TenantStores({
      dataDir: options.dataDir,
      synchronous: options.synchronous,
      ...(options.sqliteDriver ? { driver: options.sqliteDriver } : {}),
      retention: options.retention,
      ...(options.logError ? { logError: options.logError } : {}),
      maxSpansPerTrace: options.maxSpansPerTrace,
      tenants: () => options.tenantAuth?.tenants() ?? [],
      makeIngester: (tenantStore) =>
        new TraceIngester(tenantStore, { ...defaultSpanLimits, ...options.limits }, spanMetrics, counters, {
          retryAfterSeconds: options.retryAfterSeconds,
          onCommitted: () => this.checkBudget(),
          logError: options.logError,
        }),
    });
  }

  /** The single tenant's store (`fake`: the data directory itself). */
  get store(): SpanStore {
    return this.stores.store(DEFAULT_TENANT);
  }

  /** The single tenant's ingester. */
  get ingester(): TraceIngester {
    return this.stores.ingester(DEFAULT_TENANT);
  }

  /** After a commit: runs retention at once when the live data is over the size budget (once a second at most). */
  private checkBudget(): void {
    const now = Date.now();
    if (now - this.lastBudgetCheck < 1000) return;
    this.lastBudgetCheck = now;
    if (this.stores.overBudget()) this.runRetention();
  }

  /** One retention pass; a failure is logged (at most once a minute) and left to the next pass. */
  private runRetention(): void {
    try {
      this.stores.enforceRetention();
    } catch (error) {
      const now = Date.now();
      if (now - this.lastRetentionErrorLog < 60_000) return;
      this.lastRetentionErrorLog = now;
      console.error(
        JSON.stringify({
          timestamp: new Date(now).toISOString(),
          level: 'WARN',
          service: 'tracestore',
          message: 'retention failed; retrying at the next pass',
          error: (error as Error).message,
          code: (error as { code?: string }).code ?? null,
        }),
      );
    }
  }

  /** Opens the store and starts every configured listener; resolves once all are bound. */
  static async start(options: TraceStoreServerOptions): Promise<TraceStoreServer> {
    const server = new TraceStoreServer(options);
    try {
      await server.listen();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  private readonly ingesterOf = (
    authorization: string | undefined,
    orgId: string | string[] | undefined,
  ): TraceIngester => this.stores.ingester(tenantOfRequest(this.access, authorization, orgId));

  private async listen(): Promise<void> {
    const { options } = this;
    const maxRequestBytes = options.maxRequestBytes ?? 32 * 1024 * 1024;
    const otlpHttp = options.otlpHttp === undefined ? '127.0.0.1:4318' : options.otlpHttp;
    const otlpGrpc = options.otlpGrpc === undefined ? '127.0.0.1:4317' : options.otlpGrpc;
    const query = options.query === undefined ? '127.0.0.1:16686' : options.query;
    if (query) {
      const { host, port } = parseListenAddress(query);
      this.queryApp = createQueryServer({
        storeFor: (tenant) => this.stores.store(tenant),
        tenantOf: (headers) => tenantOfRequest(this.access, headers.authorization, headers['x-scope-orgid']),
        registry: this.registry,
        isReady: () => this.ready,
        logError: options.logError,
        maxAnalysisSpans: options.maxAnalysisSpans,
        ...(this.analysisPool ? { analysisPool: this.analysisPool } : {}),
      });
      await this.queryApp.listen({ host, port });
      this.addresses.query = `${host}:${(this.queryApp.server.address() as { port: number }).port}`;
    }
    if (otlpHttp) {
      const { host, port } = parseListenAddress(otlpHttp);
      this.http = createOtlpHttpReceiver({
        ingesterOf: this.ingesterOf,
        maxRequestBytes,
        logError: options.logError,
      });
      await this.http.listen({ host, port });
      this.addresses.otlpHttp = `${host}:${(this.http.server.address() as { port: number }).port}`;
    }
    if (otlpGrpc) {
      const { host, port } = parseListenAddress(otlpGrpc);
      this.grpc = createOtlpGrpcServer({
        ingesterOf: this.ingesterOf,
        maxRequestBytes,
        logError: options.logError,
      });
      this.addresses.otlpGrpc = `${host}:${await bindGrpc(this.grpc, host, port)}`;
    }
    const interval = options.retentionIntervalMs ?? 60_000;
    this.runRetention();
    this.retentionTimer = setInterval(() => this.runRetention(), interval);
    this.retentionTimer.unref();
    this.ready = true;
  }

  /**
   * Stops the listeners (in-flight exports finish first; open query connections are cut), the analysis
   * threads, and closes the database.
   */
  async close(): Promise<void> {
    this.ready = false;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    const grpcServer = this.grpc;
    await Promise.all([
      this.http?.close(),
      this.queryApp?.close(),
      grpcServer ? new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())) : undefined,
    ]);
    await this.analysisPool?.close();
    this.stores.close();
  }
}
