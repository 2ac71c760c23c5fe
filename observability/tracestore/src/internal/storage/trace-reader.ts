// Reads one trace (its spans, resources and scopes) from a span database. The store's own connection reads
// through it, and so do the analysis threads, each on a connection of its own (read only), so the answers
// are the same whichever thread reads.
import type { SqliteDatabase, SqliteStatement } from '@opsight/sqlite';
import type { StoredResource, StoredScope, StoredSpan, StoredTrace } from './span-store.js';

/** A span row as selected by `spanColumns`, INTEGER columns as bigint. */
export interface SpanRow {
  trace_id: Buffer;
  span_id: Buffer;
  parent_span_id: Buffer | null;
  service: string;
  name: string;
  kind: bigint;
  start_ns: bigint;
  duration_ns: bigint;
  status_code: bigint;
  resource_id: bigint;
  scope_id: bigint;
  data: Buffer;
}

export const spanColumns =
  'trace_id, span_id, parent_span_id, service, name, kind, start_ns, duration_ns, status_code, resource_id, scope_id, data';

export function rowToSpan(row: SpanRow): StoredSpan {
  return {
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    service: row.service,
    name: row.name,
    kind: Number(row.kind),
    startNs: row.start_ns,
    durationNs: row.duration_ns,
    statusCode: Number(row.status_code),
    resourceId: Number(row.resource_id),
    scopeId: Number(row.scope_id),
    data: row.data,
  };
}

export class TraceReader {
  private readonly resourceCache = new Map<number, StoredResource>();
  private readonly scopeCache = new Map<number, StoredScope>();
  private readonly stmts: Record<
    'traceSpans' | 'traceCount' | 'countTraceSpans' | 'resource' | 'scope',
    SqliteStatement
  >;

  /** `maxSpansPerTrace`: the store's per-trace limit (SpanStoreOptions), which bounds every read. */
  constructor(
    db: SqliteDatabase,
    readonly maxSpansPerTrace: number,
  ) {
    this.stmts = {
      traceSpans: db.prepare(
        `SELECT ${spanColumns} FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id LIMIT ?`,
        { bigInts: true },
      ),
      traceCount: db.prepare('SELECT spans, dropped FROM trace_counts WHERE trace_id = ?'),
      countTraceSpans: db.prepare('SELECT count(*) FROM spans WHERE trace_id = ?', { rows: 'first' }),
      resource: db.prepare('SELECT id, service, data, schema_url FROM resources WHERE id = ?'),
      scope: db.prepare('SELECT id, data, schema_url FROM scopes WHERE id = ?'),
    };
  }

  /** A stored resource (cached: resources are never changed once stored). */
  resource(id: number): StoredResource {
    let r = this.resourceCache.get(id);
    if (!r) {
      const row = this.stmts.resource.get(id) as {
        id: number;
        service: string;
        data: Buffer;
        schema_url: string;
      };
      r = { id: row.id, service: row.service, data: row.data, schemaUrl: row.schema_url };
      if (this.resourceCache.size > 10000) this.resourceCache.clear();
      this.resourceCache.set(id, r);
    }
    return r;
  }

  /** A stored instrumentation scope (cached, as resources). */
  scope(id: number): StoredScope {
    let s = this.scopeCache.get(id);
    if (!s) {
      const row = this.stmts.scope.get(id) as { id: number; data: Buffer; schema_url: string };
      s = { id: row.id, data: row.data, schemaUrl: row.schema_url };
      if (this.scopeCache.size > 10000) this.scopeCache.clear();
      this.scopeCache.set(id, s);
    }
    return s;
  }

  /**
   * The stored spans of a trace (late spans included) in start-time order, at most `maxSpansPerTrace` of them
   * and at most `limit` (the first by start time), or null when none is stored.
   */
  getTrace(traceId: Buffer, limit = this.maxSpansPerTrace): StoredTrace | null {
    const max = Math.min(limit, this.maxSpansPerTrace);
    const rows = this.stmts.traceSpans.all(traceId, max) as SpanRow[];
    if (rows.length === 0) return null;
    const counts = this.stmts.traceCount.get(traceId) as { spans: number; dropped: number } | undefined;
    // A trace without a counts row is a small one (see countedFrom in span-store.ts): counted when cut.
    const stored = counts
      ? Math.max(rows.length, counts.spans)
      : rows.length < max
        ? rows.length
        : (this.stmts.countTraceSpans.get(traceId) as number);
    const readable = rows.length < max ? rows.length : Math.min(stored, this.maxSpansPerTrace);
    const trace: StoredTrace = {
      traceId,
      spans: rows.map(rowToSpan),
      storedSpans: readable,
      droppedSpans: (counts?.dropped ?? 0) + stored - readable,
      warnings: [],
      resources: new Map(),
      scopes: new Map(),
    };
    if (trace.droppedSpans > 0) {
      trace.warnings.push(
        `trace too large: ${trace.droppedSpans} spans were dropped, over the limit of ${this.maxSpansPerTrace} spans per trace (--max-spans-per-trace)`,
      );
    }
    for (const span of trace.spans) {
      if (!trace.resources.has(span.resourceId))
        trace.resources.set(span.resourceId, this.resource(span.resourceId));
      if (!trace.scopes.has(span.scopeId)) trace.scopes.set(span.scopeId, this.scope(span.scopeId));
    }
    return trace;
  }
}
