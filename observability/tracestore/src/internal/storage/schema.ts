// Tables and indexes of the span store. `trace_counts` keeps the stored and dropped span counts of each trace
// with 256 spans or more (or with dropped spans) so that the per-trace span cap costs one primary-key lookup
// per trace and batch, never a count over a large trace's spans; a smaller trace is counted from the trace
// index (see countedFrom in span-store.ts; stores written before keep a row for every trace, still kept in
// step). A trigger keeps the rows in step with every deletion (retention), and removes a trace's row with its
// last span.
// `user_version` 1 added `trace_counts`: a store written before it is backfilled once, when first opened.
// `user_version` 2 maintains the dependency tables at ingest (see dependency-hours.ts): they are filled once
// from the stored spans when a store written before is first opened.
// `user_version` 3 folds the index on (service, duration_ns) into the one on (service, start_ns): a span's
// duration is random, so that index took one random page write per span at ingest (about a fifth of the
// store's CPU per span); searches by service, time window and duration read (service, start_ns,
// duration_ns) without touching the table.
import type { SqliteDatabase } from '@opsight/sqlite';
import { backfillDependencyHours, dependencyTablesSql } from './dependency-hours.js';

const schemaVersion = 3;

export function createSchema(db: SqliteDatabase): void {
  db.transaction(() => migrate(db))();
}

function migrate(db: SqliteDatabase): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version < 3) db.exec('DROP INDEX IF EXISTS spans_by_duration; DROP INDEX IF EXISTS spans_by_service;');
  db.exec(`
    CREATE TABLE IF NOT EXISTS resources (
      id INTEGER PRIMARY KEY,
      hash BLOB NOT NULL UNIQUE,
      service TEXT NOT NULL,
      data BLOB NOT NULL,
      schema_url TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS scopes (
      id INTEGER PRIMARY KEY,
      hash BLOB NOT NULL UNIQUE,
      data BLOB NOT NULL,
      schema_url TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS spans (
      id INTEGER PRIMARY KEY,
      trace_id BLOB NOT NULL,
      span_id BLOB NOT NULL,
      parent_span_id BLOB,
      service TEXT NOT NULL,
      name TEXT NOT NULL,
      kind INTEGER NOT NULL,
      start_ns INTEGER NOT NULL,
      duration_ns INTEGER NOT NULL,
      status_code INTEGER NOT NULL,
      http_status INTEGER,
      model_name TEXT,
      request_id TEXT,
      resource_id INTEGER NOT NULL REFERENCES resources (id),
      scope_id INTEGER NOT NULL REFERENCES scopes (id),
      data BLOB NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS spans_by_trace ON spans (trace_id, span_id);
    CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_ns);
    CREATE INDEX IF NOT EXISTS spans_by_service ON spans (service, start_ns, duration_ns);
    CREATE INDEX IF NOT EXISTS spans_by_operation ON spans (service, name, start_ns);
    CREATE INDEX IF NOT EXISTS spans_by_http_status ON spans (http_status, start_ns) WHERE http_status IS NOT NULL;
    CREATE INDEX IF NOT EXISTS spans_by_error ON spans (service, start_ns) WHERE status_code = 2;
    CREATE INDEX IF NOT EXISTS spans_by_model ON spans (model_name, start_ns) WHERE model_name IS NOT NULL;
    CREATE INDEX IF NOT EXISTS spans_by_request_id ON spans (request_id) WHERE request_id IS NOT NULL;
    CREATE TABLE IF NOT EXISTS operations (
      service TEXT NOT NULL,
      name TEXT NOT NULL,
      kind INTEGER NOT NULL,
      PRIMARY KEY (service, name, kind)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS trace_counts (
      trace_id BLOB PRIMARY KEY,
      spans INTEGER NOT NULL,
      dropped INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE TRIGGER IF NOT EXISTS spans_uncount AFTER DELETE ON spans BEGIN
      DELETE FROM trace_counts WHERE trace_id = OLD.trace_id AND spans <= 1;
      UPDATE trace_counts SET spans = spans - 1 WHERE trace_id = OLD.trace_id;
    END;
  `);
  db.exec(dependencyTablesSql);
  if (version < 1) {
    db.exec(`
      INSERT OR REPLACE INTO trace_counts (trace_id, spans, dropped)
        SELECT trace_id, count(*), 0 FROM spans GROUP BY trace_id;
    `);
  }
  if (version < 2) backfillDependencyHours(db);
  if (version < schemaVersion) db.pragma(`user_version = ${schemaVersion}`);
}
