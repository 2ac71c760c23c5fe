// Tables and indexes of the span store.
import type Database from 'better-sqlite3';

export function createSchema(db: Database.Database): void {
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
    CREATE INDEX IF NOT EXISTS spans_by_service ON spans (service, start_ns);
    CREATE INDEX IF NOT EXISTS spans_by_operation ON spans (service, name, start_ns);
    CREATE INDEX IF NOT EXISTS spans_by_duration ON spans (service, duration_ns);
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
  `);
}
