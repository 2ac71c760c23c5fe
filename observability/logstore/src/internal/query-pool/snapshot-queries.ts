// Queries over a read-only connection to a store's database, each inside one read transaction: the
// query reads one consistent snapshot of the database, so a seal or a retention pass that the writer
// commits while it runs never makes it miss or read twice an entry. What a query worker runs.
import type { SqliteDriverName } from '@opsight/sqlite';
import type { Limits } from '../limits.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { QueryEngine, type QueryParams } from '../logql/engine.js';
import { LogStorage, type StreamBounds } from '../storage/log-storage.js';

/** What a query answers: the engine's data and stats. */
export type QueryResult = Awaited<ReturnType<QueryEngine['run']>>;

/** Where the database is. */
export interface SnapshotQueriesOptions {
  /** Directory of the store's database (not `:memory:`: a reader needs the writer's file). */
  dataDir: string;
  /** The SQLite driver of the database. @default DEFAULT_SQLITE_DRIVER of @opsight/sqlite */
  driver?: SqliteDriverName;
}

export class SnapshotQueries {
  readonly storage: LogStorage;
  private readonly engine: QueryEngine;
  private limits: Limits = DEFAULT_LIMITS;

  constructor(options: SnapshotQueriesOptions) {
    this.storage = new LogStorage({
      dataDir: options.dataDir,
      readOnly: true,
      ...(options.driver ? { driver: options.driver } : {}),
    });
    this.engine = new QueryEngine(this.storage, () => this.limits);
  }

  /**
   * Runs a query of `tenant` under `limits` in a read transaction: the stream catalog is refreshed first
   * (new streams, and `bounds`, the writer's stream time bounds taken before this call), which takes the
   * snapshot; every read of the query sees that snapshot.
   */
  async run(
    tenant: string,
    params: QueryParams,
    limits: Limits,
    bounds?: StreamBounds,
  ): Promise<QueryResult> {
    this.limits = limits;
    const db = this.storage.db;
    db.exec('BEGIN');
    try {
      this.storage.refreshStreams(bounds);
      return await this.engine.run(tenant, params);
    } finally {
      // A read transaction: ending it releases the snapshot.
      db.exec('COMMIT');
    }
  }

  close(): void {
    this.storage.close();
  }
}
