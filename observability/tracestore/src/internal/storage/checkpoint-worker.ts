// The checkpoint thread of a span store (see wal-checkpointer.ts): its own connection to the database, on
// which it copies the WAL back into the database file when asked, so that the ingest thread's commits only
// append to the WAL. Its checkpoints are PASSIVE: they never take the write lock, so they never block (or
// fail) a commit; a commit that starts after one copied the whole WAL writes the WAL from its start again.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, type SqliteDriverName } from '@opsight/sqlite';

export interface CheckpointWorkerData {
  file: string;
  driver: SqliteDriverName;
  synchronous: 'FULL' | 'NORMAL';
}

export type CheckpointRequest = { type: 'checkpoint' } | { type: 'close' };

export type CheckpointReply =
  | { type: 'done'; walPages: number; checkpointedPages: number }
  | { type: 'failed'; message: string; code: string | null };

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

const data = workerData as CheckpointWorkerData;
const port = parentPort!;
const db = openDatabase(data.file, { driver: data.driver, busyTimeoutMs: 2000 });
db.pragma(`synchronous = ${data.synchronous}`);
db.pragma('wal_autocheckpoint = 0');

/** Closes the connection; with the port closed too, nothing keeps the thread alive and it ends. */
function close(): void {
  if (db.open) db.close();
  port.close();
}

port.on('message', (request: CheckpointRequest) => {
  if (request.type === 'close') {
    close();
    return;
  }
  try {
    const row = (db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[])[0]!;
    const reply: CheckpointReply = { type: 'done', walPages: row.log, checkpointedPages: row.checkpointed };
    port.postMessage(reply);
  } catch (error) {
    const reply: CheckpointReply = {
      type: 'failed',
      message: (error as Error).message,
      code: ((error as { code?: unknown }).code as string | undefined) ?? null,
    };
    port.postMessage(reply);
  }
});
