// What an analysis thread does (see analysis-pool.ts): reads a trace on its own read-only connection to the
// tenant's database, in one read transaction (one snapshot, as the store's own reads), and analyses it. The
// thread's entry is analysis-worker-main.ts; tests start threads whose handler wraps `analyzeTask`.
import { parentPort } from 'node:worker_threads';
import { openDatabase, type SqliteDatabase, type SqliteDriverName } from '@opsight/sqlite';
import { decodeTrace } from '../query/decoded-trace.js';
import { TraceReader } from '../storage/trace-reader.js';
import { analyzeTrace, type TraceAnalysis } from './trace-analysis.js';

export interface AnalysisTask {
  /** Numbers the task within its pool. */
  id: number;
  /** The tenant's database file. */
  file: string;
  driver: SqliteDriverName;
  /** The store's per-trace limit (SpanStoreOptions.maxSpansPerTrace). */
  maxSpansPerTrace: number;
  /** The trace id, 32 hex digits. */
  traceId: string;
  /** Most spans analysed (the analysis cap). */
  maxSpans: number;
}

export type AnalysisReply =
  | { id: number; type: 'done'; analysis: TraceAnalysis | null }
  | { id: number; type: 'failed'; message: string };

/** Most databases (tenants) a thread keeps open; the least recently used is closed beyond. */
const maxOpenDatabases = 16;

/** The read-only connections of one thread, by database file. */
export class ReaderCache {
  private readonly open = new Map<string, { db: SqliteDatabase; reader: TraceReader }>();

  /** Reads `fn` in one read transaction on the task's database. */
  read<T>(task: AnalysisTask, fn: (reader: TraceReader) => T): T {
    let entry = this.open.get(task.file);
    if (entry) this.open.delete(task.file);
    else {
      const db = openDatabase(task.file, { driver: task.driver });
      db.pragma('query_only = ON');
      entry = { db, reader: new TraceReader(db, task.maxSpansPerTrace) };
    }
    this.open.set(task.file, entry);
    for (const [file, old] of this.open) {
      if (this.open.size <= maxOpenDatabases) break;
      old.db.close();
      this.open.delete(file);
    }
    const { db, reader } = entry;
    return db.transaction(() => fn(reader))();
  }
}

/** Reads and analyses the task's trace: null when the trace is not stored. */
export function analyzeTask(task: AnalysisTask, readers: ReaderCache): TraceAnalysis | null {
  const stored = readers.read(task, (reader) =>
    reader.getTrace(Buffer.from(task.traceId, 'hex'), task.maxSpans),
  );
  return stored ? analyzeTrace(decodeTrace(stored), task.maxSpans) : null;
}

export type AnalysisHandler = (task: AnalysisTask, readers: ReaderCache) => TraceAnalysis | null;

/** Answers the pool's tasks, one at a time, on this thread. */
export function serveAnalysis(handle: AnalysisHandler = analyzeTask): void {
  const port = parentPort;
  if (!port) throw new Error('serveAnalysis runs on a worker thread');
  const readers = new ReaderCache();
  port.on('message', (task: AnalysisTask) => {
    let reply: AnalysisReply;
    try {
      reply = { id: task.id, type: 'done', analysis: handle(task, readers) };
    } catch (error) {
      reply = { id: task.id, type: 'failed', message: (error as Error).stack ?? String(error) };
    }
    port.postMessage(reply);
  });
}
