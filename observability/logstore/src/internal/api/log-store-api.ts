// The log store's operations, without HTTP: push, query, the label and series index, index statistics,
// live tailing, flush and retention, over the storage, the ingester and the LogQL engine. Inputs and
// outputs are typed values (nanosecond bigints, label sets, decoded streams); the HTTP routes parse
// requests into them and write Loki's response shapes from them.
import { formatDuration } from '@opsight/contracts/codecs';
import type { SqliteDriverName } from '@opsight/sqlite';
import type { Labels } from '../labels.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import {
  type QueryData,
  QueryEngine,
  QueryError,
  type QueryParams,
  type QueryStats,
} from '../logql/engine.js';
import { mergeSubqueries } from '../logql/subqueries.js';
import type { EncodedPush } from '../push/decode-body.js';
import { DecodePool } from '../push/decode-pool.js';
import type { RawStream } from '../push/decode-push.js';
import { GroupCommit } from '../push/group-commit.js';
import { Ingester, type PushOutcome, type PushRequest } from '../push/ingester.js';
import { QueryPool } from '../query-pool/query-pool.js';
import { LogStorage, type StreamInfo } from '../storage/log-storage.js';
import { defaultRetentionBytes, Retention } from '../storage/retention.js';
import { StoreMetrics } from '../store-metrics.js';
import { LogStoreError, storageWriteError } from './log-store-error.js';
import { QueryGate } from './query-gate.js';
import { matchesStream } from './stream-match.js';

const NS = 1_000_000_000n;

/** Options of {@link LogStoreApi}: the storage and its limits, retention and sealing. */
export interface LogStoreApiOptions {
  /** Directory of the database; `:memory:` for an in-memory store. */
  dataDir: string;
  /** Limit overrides for every tenant (Loki limits_config names). @default DEFAULT_LIMITS */
  limits?: Partial<Limits>;
  /** Commit durability: see StorageOptions.sync. @default 'normal' */
  sync?: 'normal' | 'full';
  /** The SQLite driver of the database. @default DEFAULT_SQLITE_DRIVER of @opsight/sqlite */
  sqliteDriver?: SqliteDriverName;
  /** Retention by age in ms (0 keeps forever). @default 0 */
  retentionMaxAgeMs?: number;
  /**
   * Retention by size: budget in bytes of database pages in use, enforced oldest first, periodically and
   * after writes; 0 is unbounded. @default 2 GiB, or a fifth of the data directory's filesystem if smaller
   */
  retentionMaxBytes?: number;
  /** How often retention runs once started, ms. @default 60000 */
  retentionIntervalMs?: number;
  /**
   * How often entries older than the out-of-order window are sealed into compressed chunks once started,
   * ms; 0 turns sealing off (flush still seals). @default 30000
   */
  sealIntervalMs?: number;
  /** Seconds a client is told to wait when the disk is full. @default 5 */
  storageFullRetryAfterSeconds?: number;
  /** The configured tenants, each owed a share of the size budget. @default () => [] */
  tenants?: () => string[];
  /**
   * Worker threads that run queries, each over a read-only connection to the database, so that a query
   * never holds up a push; 0 runs queries on the main thread. A `:memory:` store always runs them on the
   * main thread. @default 0
   */
  queryWorkers?: number;
  /**
   * How long a query worker may take to stop a query past its deadline or its client's abort before it is
   * terminated and replaced, ms. @default 2000
   */
  queryWorkerGraceMs?: number;
  /** The module the query workers run. @default the store's query worker (query-pool/query-worker.js) */
  queryWorkerFile?: URL;
  /**
   * Worker threads that decode push bodies ({@link LogStoreApi.pushBody}); 0 decodes on the main thread.
   * Workers take decoding off the main thread (about 1.5 µs of its CPU per line on bench/logstore's
   * bodies) but the streams' copy back costs more CPU in all (about 4-5 µs per line), so they pay only
   * where cores sit idle: on two shared cores they lowered ingest. @default 0
   */
  decodeWorkers?: number;
}

/** A time range; either end may be left to its default. */
export interface TimeRange {
  /** Inclusive start, Unix ns. */
  start?: bigint;
  /** Inclusive end, Unix ns. @default now */
  end?: bigint;
}

/** Streams picked by stream selectors in a time range. */
export interface StreamSelection extends TimeRange {
  /** LogQL stream selectors (`{app="api"}`), united; none selects every stream. @default [] */
  matchers?: readonly string[];
}

/** The common parameters of both query kinds. */
interface QueryCommon {
  /** The LogQL query. */
  query: string;
  /** Most entries (log queries) or series returned. */
  limit: number;
  /** Entry order of log queries. */
  direction: 'forward' | 'backward';
}

/** An instant query: a metric query evaluated at one time. */
export interface InstantQueryInput extends QueryCommon {
  /** Evaluation time, Unix ns. @default now */
  time?: bigint;
}

/** A range query: a log query over a range, or a metric query at each step of it. */
export interface RangeQueryInput extends QueryCommon, TimeRange {
  /** Step between evaluations, ns. @default the range over 250 points, at least one second */
  step?: bigint;
}

/** How a caller controls a running query. */
export interface QueryControl {
  /** Aborted when the client goes away: the query leaves its queue or stops at its next check. */
  signal?: AbortSignal;
}

/** A query's data and the engine's counts. */
export interface QueryOutput {
  data: QueryData;
  stats: QueryStats;
}

/** The bytes of the streams that share the values of the target labels. */
export interface VolumeOutput {
  /** End of the range, Unix ns (the samples' time). */
  end: bigint;
  /** Largest first. */
  volumes: Array<{ metric: Labels; bytes: number }>;
}

/** Entries as the live tail shows them: the stream's labels after the query's pipeline. */
export type TailBatch = Array<{ stream: Labels; values: Array<[string, string]> }>;

/** A live tail of one log query. */
export interface Tail {
  /** Entries since `start`, oldest first, up to `limit`; a query under the tenant's query limits. */
  history(start: bigint, limit: number, control?: QueryControl): Promise<TailBatch>;
  /** Sends each later push's matching entries, until the returned function is called. */
  follow(send: (batch: TailBatch) => void): () => void;
}

type Stored = Array<{ labels: Labels; ts: bigint; line: string; metadata?: Labels }>;

export class LogStoreApi {
  readonly limits: Limits;
  readonly storage: LogStorage;
  readonly engine: QueryEngine;
  readonly ingester: Ingester;
  readonly metrics = new StoreMetrics();
  /** Admission of queries per tenant (max_query_parallelism and its queue). */
  readonly gate: QueryGate;
  /** The query workers; undefined when queries run on the main thread. */
  readonly pool: QueryPool | undefined;
  private readonly retention: Retention;
  private readonly retryAfter: number;
  private readonly followers = new Set<{ tenant: string; send: (entries: Stored) => void }>();
  private timers: NodeJS.Timeout[] = [];
  private readonly decoder: DecodePool;
  private readonly writes: GroupCommit<PushRequest, PushOutcome>;
  /** A periodic seal came while queries ran on the main thread: it runs once they are done. */
  private sealDeferred = false;

  constructor(private readonly options: LogStoreApiOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const limitsFor = () => this.limits;
    this.storage = new LogStorage({
      dataDir: options.dataDir,
      sync: options.sync ?? 'normal',
      ...(options.sqliteDriver ? { driver: options.sqliteDriver } : {}),
    });
    this.engine = new QueryEngine(this.storage, limitsFor);
    this.ingester = new Ingester(this.storage, limitsFor);
    const workers = options.dataDir === ':memory:' ? 0 : (options.queryWorkers ?? 0);
    this.pool =
      workers > 0
        ? new QueryPool({
            dataDir: options.dataDir,
            size: workers,
            ...(options.sqliteDriver ? { driver: options.sqliteDriver } : {}),
            ...(options.queryWorkerGraceMs !== undefined ? { graceMs: options.queryWorkerGraceMs } : {}),
            ...(options.queryWorkerFile ? { workerFile: options.queryWorkerFile } : {}),
          })
        : undefined;
    this.gate = new QueryGate(limitsFor, () => {
      if (!this.sealDeferred) return;
      this.sealDeferred = false;
      setImmediate(() => this.sealSafely());
    });
    this.retryAfter = options.storageFullRetryAfterSeconds ?? 5;
    this.decoder = new DecodePool(options.decodeWorkers ?? 0);
    this.writes = new GroupCommit((requests) => this.pushGroup(requests));
    this.retention = new Retention(
      this.storage,
      {
        maxAgeMs: options.retentionMaxAgeMs ?? 0,
        maxBytes: options.retentionMaxBytes ?? defaultRetentionBytes(options.dataDir),
        tenants: options.tenants ?? (() => []),
      },
      (run) => {
        if (run instanceof Error) {
          const failure = storageWriteError(run, this.retryAfter);
          this.metrics.writeFailures.inc({ operation: 'retention', code: failure?.code ?? 'INTERNAL' });
          return;
        }
        this.metrics.retentionDeleted.inc(run.entries);
        this.metrics.retentionEvictedBytes.inc(run.bytes);
      },
    );
    this.metrics.retentionBudget.set(this.retention.budgetBytes());
  }

  /**
   * Stores decoded streams for a tenant (Loki's partial-batch rule: the valid rest of a batch is stored),
   * counts them, and hands the new entries to the tenant's live tails. A full disk or an I/O error
   * throws a 503 {@link LogStoreError}; nothing of the batch is stored then.
   */
  push(tenant: string, streams: RawStream[]): PushOutcome {
    const out = this.pushGroup([{ tenant, streams }])[0]!;
    if (out instanceof Error) throw out;
    return out;
  }

  /**
   * Decodes a push body (in a worker thread when there are decode workers), then stores it as {@link push} does, in a transaction shared
   * with the other pushes ready by then (group commit); resolves once that transaction is committed. A body
   * that cannot be decoded rejects with its PushDecodeError (nothing stored); a failed write with a 503
   * {@link LogStoreError} (nothing of this push stored, its neighbours unaffected).
   */
  async pushBody(tenant: string, push: EncodedPush): Promise<PushOutcome> {
    const streams = await this.decoder.decode(push);
    return this.writes.submit({ tenant, streams });
  }

  /** Stores a group of pushes in one transaction; each result is its push's outcome or its 503. */
  private pushGroup(requests: PushRequest[]): Array<PushOutcome | Error> {
    const { metrics } = this;
    for (const { tenant, streams } of requests) {
      let lines = 0;
      let bytes = 0;
      for (const s of streams) {
        lines += s.entries.length;
        for (const e of s.entries) bytes += Buffer.byteLength(e.line);
      }
      metrics.linesReceived.inc({ tenant }, lines);
      metrics.bytesReceived.inc({ tenant }, bytes);
    }
    const results = this.ingester.pushGroup(requests).map((out): PushOutcome | Error => {
      if (!(out instanceof Error)) return out;
      const failure = storageWriteError(out, this.retryAfter);
      if (!failure) return out;
      metrics.writeFailures.inc({ operation: 'push', code: failure.code });
      metrics.storageFull.set(failure.code === 'STORAGE_FULL' ? 1 : 0);
      return failure;
    });
    if (results.some((r) => !(r instanceof Error))) {
      metrics.storageFull.set(0);
      this.retention.afterWrite();
    }
    requests.forEach(({ tenant }, i) => {
      const out = results[i]!;
      if (out instanceof Error) return;
      for (const [reason, n] of Object.entries(out.discarded)) metrics.discarded.inc({ reason, tenant }, n);
      if (out.truncated.lines > 0) {
        metrics.mutatedSamples.inc({ reason: 'line_too_long', tenant }, out.truncated.lines);
        metrics.mutatedBytes.inc({ reason: 'line_too_long', tenant }, out.truncated.bytes);
      }
      metrics.streams.set({ tenant }, this.ingester.activeStreams(tenant));
      this.notifyFollowers(tenant, out.stored);
    });
    return results;
  }

  /** Evaluates a metric query at one time; a log query is refused (LOG_QUERY_NOT_INSTANT). */
  async instantQuery(
    tenant: string,
    input: InstantQueryInput,
    control: QueryControl = {},
  ): Promise<QueryOutput> {
    const time = input.time ?? nowNs();
    if (this.engine.parse(input.query).kind === 'log') {
      throw new LogStoreError(
        'LOG_QUERY_NOT_INSTANT',
        'log queries are not supported as an instant query type, please change your query to a range query type',
      );
    }
    return this.runQuery(
      tenant,
      { ...common(input), start: time, end: time, step: 0n, instant: true },
      control,
    );
  }

  /**
   * Runs a log query over a range, or a metric query at each step of it. A range longer than
   * max_query_length is refused (QUERY_TOO_LONG).
   */
  async rangeQuery(tenant: string, input: RangeQueryInput, control: QueryControl = {}): Promise<QueryOutput> {
    const end = input.end ?? nowNs();
    const start = input.start ?? end - 3600n * NS;
    if (end < start)
      throw new LogStoreError('INVALID_RANGE', 'end timestamp must not be before or equal to start time', {
        field: 'end',
      });
    const step = input.step ?? BigInt(Math.max(Math.ceil(Number(end - start) / 1e9 / 250), 1)) * NS;
    if (step <= 0n)
      throw new LogStoreError(
        'INVALID_STEP',
        'zero or negative query resolution step widths are not accepted. Try a positive integer',
        { field: 'step' },
      );
    this.checkLength(tenant, start, end);
    return this.runQuery(tenant, { ...common(input), start, end, step, instant: false }, control);
  }

  /**
   * Runs a query in a turn of the tenant (see {@link QueryGate}), under its deadline (query_timeout,
   * counted from now) and its client's signal, in a query worker or on the main thread; counts refusals
   * and stopped queries.
   */
  private async runQuery(tenant: string, params: QueryParams, control: QueryControl): Promise<QueryOutput> {
    const deadline = Date.now() + this.limits.query_timeout_ms;
    const arrived = performance.now();
    let release: (() => void) | undefined;
    try {
      release = await this.gate.enter(tenant, { deadline, ...control });
      let out: QueryOutput;
      if (this.pool) {
        const pool = this.pool;
        // With more than one worker, a split metric range query runs its splits at once, one worker each,
        // and their answers merge into the whole query's (as Loki's frontend spreads splits on queriers).
        const parts = pool.size > 1 ? this.engine.subqueries(tenant, params) : [params];
        if (parts.length > 1) {
          // The first split to fail stops its siblings.
          const failed = new AbortController();
          const signal = control.signal ? AbortSignal.any([control.signal, failed.signal]) : failed.signal;
          const answers = await Promise.all(
            parts.map((p) =>
              // Each part takes its own copy of the bounds (a query's copy is moved to its worker).
              pool
                .run(tenant, p, this.limits, { deadline, signal }, this.storage.streamBounds(tenant))
                .catch((e: unknown) => {
                  failed.abort();
                  throw e;
                }),
            ),
          );
          out = mergeSubqueries(answers, this.limits.max_query_series);
        } else {
          // The bounds are taken before the worker's snapshot: it sees every entry they cover.
          const bounds = this.storage.streamBounds(tenant);
          out = await pool.run(tenant, params, this.limits, { deadline, ...control }, bounds);
        }
      } else out = await this.engine.run(tenant, { ...params, deadline, ...control });
      // What the query spent before it ran: the tenant's turn, a free worker, the trip to it.
      const total = (performance.now() - arrived) / 1000;
      out.stats.queueTimeSeconds = Math.max(0, total - out.stats.execTimeSeconds);
      return out;
    } catch (e) {
      this.countQueryFailure(tenant, e);
      throw e;
    } finally {
      release?.();
    }
  }

  /** Counts a query that a limit refused or that stopped early, by its code. */
  private countQueryFailure(tenant: string, e: unknown): void {
    const code = e instanceof LogStoreError || e instanceof QueryError ? e.code : undefined;
    if (code === 'QUERY_TIMEOUT') this.metrics.queriesStopped.inc({ tenant, reason: 'deadline' });
    else if (code === 'QUERY_CANCELLED') this.metrics.queriesStopped.inc({ tenant, reason: 'cancelled' });
    else if (code !== undefined && QUERY_LIMIT_CODES.has(code))
      this.metrics.queryRefusals.inc({ tenant, code });
  }

  /** Refuses a range longer than the tenant's max_query_length (Loki's message and status). */
  private checkLength(tenant: string, start: bigint, end: bigint): void {
    const limitMs = this.limits.max_query_length_ms;
    const length = end - start;
    if (limitMs <= 0 || length <= BigInt(limitMs) * 1_000_000n) return;
    this.metrics.queryRefusals.inc({ tenant, code: 'QUERY_TOO_LONG' });
    throw new LogStoreError(
      'QUERY_TOO_LONG',
      `the query time range exceeds the limit (query length: ${formatDuration(length)}, limit: ${formatDuration(BigInt(limitMs) * 1_000_000n)})`,
      { field: 'start' },
    );
  }

  /** The label names of the selected streams, sorted. */
  labelNames(tenant: string, selection: StreamSelection): string[] {
    const names = new Set<string>();
    for (const s of this.selectStreams(tenant, selection))
      for (const k of Object.keys(s.labels)) names.add(k);
    return [...names].sort();
  }

  /** The values of one label across the selected streams, sorted. */
  labelValues(tenant: string, name: string, selection: StreamSelection): string[] {
    const values = new Set<string>();
    for (const s of this.selectStreams(tenant, selection))
      if (s.labels[name] !== undefined) values.add(s.labels[name]!);
    return [...values].sort();
  }

  /** The label sets of the selected streams. */
  series(tenant: string, selection: StreamSelection): Labels[] {
    return this.selectStreams(tenant, selection).map((s) => s.labels);
  }

  /** How many streams, entries and bytes the selection holds in its range. */
  indexStats(
    tenant: string,
    selection: StreamSelection,
  ): { streams: number; chunks: number; entries: number; bytes: number } {
    const { start, end } = this.range(selection);
    const streams = this.selectStreams(tenant, selection);
    const c = this.storage.countRange(streams, start, end + 1n);
    return { streams: streams.length, chunks: 0, entries: c.entries, bytes: c.bytes };
  }

  /** Bytes per set of target-label values (every label when none is given), largest first. */
  volume(tenant: string, selection: StreamSelection, targetLabels: readonly string[] = []): VolumeOutput {
    const { start, end } = this.range(selection);
    const byKey = new Map<string, { metric: Labels; bytes: number }>();
    for (const s of this.selectStreams(tenant, selection)) {
      const metric: Labels = {};
      const names = targetLabels.length > 0 ? targetLabels : Object.keys(s.labels);
      for (const n of names) if (s.labels[n] !== undefined) metric[n] = s.labels[n]!;
      const key = JSON.stringify(Object.entries(metric).sort());
      const c = this.storage.countRange([s], start, end + 1n);
      const prev = byKey.get(key) ?? { metric, bytes: 0 };
      prev.bytes += c.bytes;
      byKey.set(key, prev);
    }
    return { end, volumes: [...byKey.values()].sort((a, b) => b.bytes - a.bytes) };
  }

  /**
   * A live tail of a log query: its history, then each later push's matching entries. A query that does
   * not parse throws a QueryError; a metric query is refused (INVALID_QUERY).
   */
  tail(tenant: string, query: string): Tail {
    const parsed = this.engine.parse(query);
    if (parsed.kind !== 'log') throw new LogStoreError('INVALID_QUERY', 'tail needs a log query');
    // The live entries go through the same plan as the history: its stream matchers and pipeline.
    const sel = this.engine.planTail(tenant, parsed);
    return {
      history: async (start, limit, control = {}) => {
        const now = nowNs();
        const hist = await this.runQuery(
          tenant,
          { query, start, end: now + 1n, step: 0n, limit, direction: 'backward', instant: false },
          control,
        );
        if (hist.data.resultType !== 'streams') return [];
        for (const s of hist.data.result) s.values.reverse();
        return hist.data.result;
      },
      follow: (send) => {
        const follower = {
          tenant,
          send: (entries: Stored) => {
            const out = new Map<string, { stream: Labels; values: Array<[string, string]> }>();
            for (const e of entries) {
              if (!matchesStream(sel.matchers, e.labels)) continue;
              const r = sel.run({ ts: e.ts, line: e.line, streamLabels: e.labels, metadata: e.metadata });
              if (!r) continue;
              const key = JSON.stringify(Object.entries(r.labels).sort());
              const s = out.get(key) ?? { stream: r.labels, values: [] };
              s.values.push([e.ts.toString(), r.line]);
              out.set(key, s);
            }
            if (out.size > 0) send([...out.values()]);
          },
        };
        this.followers.add(follower);
        return () => this.followers.delete(follower);
      },
    };
  }

  /** Seals now what the out-of-order window allows (Loki's /flush); returns the entries sealed. */
  flush(): number {
    return this.seal(1);
  }

  /** Runs retention once now; returns the entries deleted. */
  retain(nowMs = Date.now()): number {
    return this.retention.run(nowMs).entries;
  }

  /** Starts periodic sealing and retention, and the query workers. */
  start(): void {
    this.pool?.warm();
    const sealEvery = this.options.sealIntervalMs ?? 30_000;
    if (sealEvery > 0) this.timers.push(setInterval(() => this.sealSafely(), sealEvery));
    if (this.options.retentionMaxAgeMs || this.retention.budgetBytes() > 0)
      this.timers.push(
        setInterval(() => this.retention.runSafely(), this.options.retentionIntervalMs ?? 60_000),
      );
    for (const t of this.timers) t.unref();
  }

  /** Stops the timers, the decode and query workers, drops the live tails and closes the database. */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.followers.clear();
    void this.pool?.close();
    void this.decoder.close();
    this.storage.close();
  }

  private notifyFollowers(tenant: string, stored: PushOutcome['stored']): void {
    if (this.followers.size === 0 || stored.length === 0) return;
    const flat = stored.flatMap((s) => s.entries.map((e) => ({ labels: s.labels, ...e })));
    for (const f of this.followers) if (f.tenant === tenant) f.send(flat);
  }

  private seal(minEntries?: number): number {
    const n = this.storage.seal(BigInt(this.limits.out_of_order_window_ms) * 1_000_000n, minEntries);
    this.metrics.sealedEntries.inc(n);
    return n;
  }

  /** The periodic seal: a failure (a full disk) is counted and retried next time, never thrown. */
  private sealSafely(): void {
    if (!this.storage.db.open) return;
    // A query on the main thread reads rows between turns of the event loop: sealing would move rows it
    // has yet to read into chunks it has already read. The seal waits until no such query runs. A query
    // worker reads one snapshot of the database, which a seal does not change.
    if (!this.pool && this.gate.running() > 0) {
      this.sealDeferred = true;
      return;
    }
    try {
      this.seal();
    } catch (e) {
      const failure = storageWriteError(e, this.retryAfter);
      this.metrics.writeFailures.inc({ operation: 'seal', code: failure?.code ?? 'INTERNAL' });
    }
  }

  /** The range of a selection: up to now, six hours back by default. */
  private range(range: TimeRange): { start: bigint; end: bigint } {
    const end = range.end ?? nowNs();
    return { start: range.start ?? end - 6n * 3600n * NS, end };
  }

  /** The streams any of the selectors picks (every stream when there is none), each once. */
  private selectStreams(tenant: string, selection: StreamSelection): StreamInfo[] {
    const { start, end } = this.range(selection);
    this.checkLength(tenant, start, end);
    const matchers = selection.matchers ?? [];
    if (matchers.length === 0) return this.engine.matchStreams(tenant, [], start, end + 1n);
    const seen = new Map<number, StreamInfo>();
    for (const m of matchers) {
      const parsed = this.engine.parse(m);
      if (parsed.kind !== 'log')
        throw new LogStoreError('INVALID_MATCH', `invalid match[]: ${m} is not a stream selector`, {
          field: 'match[]',
        });
      for (const s of this.engine.matchStreams(tenant, parsed.selector.matchers, start, end + 1n))
        seen.set(s.id, s);
    }
    return [...seen.values()];
  }
}

/** The codes of the query limits, counted in opsight_logstore_query_refusals_total. */
const QUERY_LIMIT_CODES: ReadonlySet<string> = new Set([
  'QUERY_TOO_LONG',
  'MAX_ENTRIES_LIMIT',
  'MAX_QUERY_SERIES',
  'QUERYING_DISABLED',
  'TOO_MANY_OUTSTANDING_REQUESTS',
  'QUERY_QUEUE_TIMEOUT',
]);

function common(input: QueryCommon): QueryCommon {
  return { query: input.query, limit: input.limit, direction: input.direction };
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
