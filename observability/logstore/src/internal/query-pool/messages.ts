// The messages between the query pool (main thread) and a query worker.
import type { SqliteDriverName } from '@opsight/sqlite';
import type { Limits } from '../limits.js';
import type { QueryParams } from '../logql/engine.js';
import type { StreamBounds } from '../storage/log-storage.js';
import type { CancelFlag } from './shared-abort.js';
import type { QueryResult } from './snapshot-queries.js';
import type { WireError } from './wire-error.js';

/** A worker's workerData. */
export interface WorkerSetup {
  dataDir: string;
  driver?: SqliteDriverName;
  /** Where the main thread writes the id of the query to stop. */
  cancel: CancelFlag;
}

/** A query for a worker: its params without the signal (the cancel flag stands for it). */
export interface QueryRequest {
  /** Positive; what the cancel flag names. */
  id: number;
  tenant: string;
  params: Omit<QueryParams, 'signal'>;
  limits: Limits;
  bounds?: StreamBounds;
}

/** A worker's answer to a query. */
export type QueryReply =
  | { id: number; ok: true; result: QueryResult }
  | { id: number; ok: false; error: WireError };
