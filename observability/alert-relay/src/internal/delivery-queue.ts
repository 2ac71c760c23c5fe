// The relay's on-disk delivery queue: one SQLite database (`queue.db`, WAL, synchronous=FULL) in the
// queue directory (created 0700; the database files 0600).
//
// - notifications: one row per accepted webhook (route, status, group key, the payload as received).
// - deliveries: one row per (notification, receiver): state pending | delivered | failed | dropped,
//   attempts, the time of the next attempt (`next_at`), the give-up time (`deadline_at`), the last error,
//   and the dedup key (internal/dedup-key.ts).
//
// Guarantees:
// - `accept` is one transaction, committed and fsync'd before it returns: a notification the relay
//   answered 202 for survives kill -9 and power loss. If the write fails (SQLITE_FULL on a full disk, an
//   I/O error) nothing of it is stored and `accept` throws, so the relay answers 503 and Alertmanager
//   retries: nothing is acknowledged that is not on disk.
// - The retry schedule (attempts, next_at, deadline_at) is in the rows, so a restart resumes it where it
//   was: a delivery waiting to retry is retried at its stored time, with its attempt count.
// - An attempt's outcome is written after the receiver answers. kill -9 between the answer and that
//   write retries the delivery after the restart (at-least-once: the one window where a receiver can see
//   a message twice).
// - Deliveries of one receiver and one alert group leave in the order they were accepted (a group's
//   resolved message never overtakes its firing one); other groups and receivers do not wait.
// - Bounded: at most `capacity` notifications and `maxBytes` of payload; beyond either the oldest
//   notifications leave first, and their deliveries still pending are counted as dropped. A pending
//   delivery past its deadline is marked failed.
import { join } from 'node:path';
import { ensurePrivateDatabase, ensurePrivateDir } from '@opsight/private-files';
import Database from 'better-sqlite3';

/** Delivery state of one notification to one receiver. */
export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface QueueOptions {
  /** Directory of the queue database; created 0700 when missing. `:memory:` keeps it in memory (tests). */
  readonly dir: string;
  /** Notifications kept (all states); beyond it the oldest leave. @default 10000 */
  readonly capacity?: number;
  /** Payload bytes kept; beyond it the oldest notifications leave. @default 268435456 (256 MiB) */
  readonly maxBytes?: number;
}

/** One receiver's share of a notification being accepted. */
export interface AcceptTarget {
  readonly receiver: string;
  readonly dedupKey: string;
  /** Delivered on acceptance (the inbox receiver): no attempt is scheduled. */
  readonly immediate: boolean;
}

export interface AcceptInput {
  readonly receivedAt: number;
  readonly route: string;
  readonly status: string;
  readonly groupKey: string;
  readonly payload: string;
  readonly targets: readonly AcceptTarget[];
  /** A target is a duplicate when its key is pending, or was delivered at or after this time (ms). */
  readonly dedupSince: number;
  /** Give-up time of the new deliveries (ms). */
  readonly deadlineAt: number;
}

export interface AcceptResult {
  /** The new notification's id, or the id of the notification it duplicates when every target did. */
  readonly id: number;
  /** Receivers that got a new delivery. */
  readonly queued: readonly string[];
  /** Receivers skipped as duplicates. */
  readonly duplicates: readonly string[];
  /** Pending deliveries evicted to keep the queue in bounds, by receiver. */
  readonly dropped: readonly string[];
}

/** A delivery ready for its next attempt. */
export interface DueDelivery {
  readonly notificationId: number;
  readonly receiver: string;
  readonly attempts: number;
  readonly deadlineAt: number;
  readonly payload: string;
}

/** What an attempt came to. */
export type AttemptOutcome =
  | { readonly state: 'delivered' }
  | { readonly state: 'pending'; readonly nextAt: number; readonly error: string }
  | { readonly state: 'failed'; readonly error: string };

/** One notification with its deliveries, as the inbox lists it. */
export interface QueuedNotification {
  readonly id: number;
  readonly receivedAt: number;
  readonly route: string;
  readonly status: string;
  readonly groupKey: string;
  readonly payload: string;
  readonly deliveries: {
    readonly receiver: string;
    readonly state: DeliveryState;
    readonly attempts: number;
    readonly nextAt: number;
    readonly lastError: string | null;
  }[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at INTEGER NOT NULL,
  route TEXT NOT NULL,
  status TEXT NOT NULL,
  group_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  notification_id INTEGER NOT NULL,
  receiver TEXT NOT NULL,
  group_key TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  deadline_at INTEGER NOT NULL,
  finished_at INTEGER,
  last_error TEXT,
  PRIMARY KEY (notification_id, receiver)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_by_group ON deliveries (receiver, group_key, state, notification_id);
CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries (state, next_at);
CREATE INDEX IF NOT EXISTS deliveries_by_key ON deliveries (dedup_key);
`;

/** Pending deliveries that head their (receiver, group) line. */
const HEADS = `
FROM deliveries d
WHERE d.state = 'pending' AND NOT EXISTS (
  SELECT 1 FROM deliveries e
  WHERE e.receiver = d.receiver AND e.group_key = d.group_key AND e.state = 'pending'
    AND e.notification_id < d.notification_id)`;

/** The on-disk delivery queue; see the file header for what it guarantees. */
export class DeliveryQueue {
  private readonly db: Database.Database;
  private readonly capacity: number;
  private readonly maxBytes: number;
  private count: number;
  private bytes: number;
  private readonly stmts;

  constructor(options: QueueOptions) {
    this.capacity = options.capacity ?? 10_000;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    let file = ':memory:';
    if (options.dir !== ':memory:') {
      file = join(options.dir, 'queue.db');
      // Checked on every open. SQLite gives its -wal and -shm files the database file's mode: the
      // database is created 0600 before SQLite opens it.
      ensurePrivateDir(options.dir, { service: 'alert-relay' });
      ensurePrivateDatabase(file, { service: 'alert-relay' });
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    const sizes = this.db
      .prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM notifications')
      .get() as { n: number; b: number };
    this.count = sizes.n;
    this.bytes = sizes.b;
    const db = this.db;
    this.stmts = {
      duplicateOf: db.prepare(
        `SELECT notification_id AS id FROM deliveries WHERE dedup_key = ?
         AND (state = 'pending' OR (state = 'delivered' AND finished_at >= ?))
         ORDER BY notification_id DESC LIMIT 1`,
      ),
      insertNotification: db.prepare(
        'INSERT INTO notifications (received_at, route, status, group_key, payload, bytes) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertDelivery: db.prepare(
        `INSERT INTO deliveries (notification_id, receiver, group_key, dedup_key, state, next_at, deadline_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      oldest: db.prepare('SELECT id, bytes FROM notifications ORDER BY id LIMIT 1'),
      pendingOf: db.prepare(
        "SELECT receiver FROM deliveries WHERE notification_id = ? AND state = 'pending'",
      ),
      deleteDeliveries: db.prepare('DELETE FROM deliveries WHERE notification_id = ?'),
      deleteNotification: db.prepare('DELETE FROM notifications WHERE id = ?'),
      due: db.prepare(
        `SELECT d.notification_id AS notificationId, d.receiver, d.attempts, d.deadline_at AS deadlineAt,
                (SELECT payload FROM notifications n WHERE n.id = d.notification_id) AS payload
         ${HEADS} AND d.next_at <= ? ORDER BY d.next_at LIMIT ?`,
      ),
      heads: db.prepare(
        `SELECT d.notification_id AS notificationId, d.receiver, d.next_at AS nextAt ${HEADS}`,
      ),
      record: db.prepare(
        `UPDATE deliveries SET state = ?, attempts = attempts + 1, next_at = ?, finished_at = ?,
           last_error = coalesce(?, last_error)
         WHERE notification_id = ? AND receiver = ? AND state = 'pending'`,
      ),
      overdue: db.prepare(
        "SELECT notification_id AS notificationId, receiver FROM deliveries WHERE state = 'pending' AND deadline_at <= ?",
      ),
      giveUp: db.prepare(
        `UPDATE deliveries SET state = 'failed', finished_at = ?,
           last_error = coalesce(last_error || '; ', '') || 'gave up: not delivered before its deadline'
         WHERE notification_id = ? AND receiver = ? AND state = 'pending'`,
      ),
      pendingStats: db.prepare(
        `SELECT count(*) AS n, min(n.received_at) AS oldest FROM deliveries d
         JOIN notifications n ON n.id = d.notification_id WHERE d.state = 'pending'`,
      ),
      newest: db.prepare(
        'SELECT id, received_at AS receivedAt, route, status, group_key AS groupKey, payload FROM notifications ORDER BY id DESC LIMIT ?',
      ),
      deliveriesOf: db.prepare(
        `SELECT receiver, state, attempts, next_at AS nextAt, last_error AS lastError FROM deliveries
         WHERE notification_id = ? ORDER BY receiver`,
      ),
    };
  }

  /**
   * Stores a notification and its deliveries in one fsync'd transaction, less the targets that duplicate
   * a pending or recently delivered one. Throws (and stores nothing) when the database refuses the write.
   */
  accept(input: AcceptInput): AcceptResult {
    const run = this.db.transaction((): AcceptResult => {
      const queued: AcceptTarget[] = [];
      const duplicates: string[] = [];
      let duplicateId = 0;
      for (const t of input.targets) {
        const dup = this.stmts.duplicateOf.get(t.dedupKey, input.dedupSince) as { id: number } | undefined;
        if (dup) {
          duplicates.push(t.receiver);
          duplicateId = Math.max(duplicateId, dup.id);
        } else queued.push(t);
      }
      if (queued.length === 0 && duplicates.length > 0) {
        return { id: duplicateId, queued: [], duplicates, dropped: [] };
      }
      const bytes = Buffer.byteLength(input.payload);
      const id = Number(
        this.stmts.insertNotification.run(
          input.receivedAt,
          input.route,
          input.status,
          input.groupKey,
          input.payload,
          bytes,
        ).lastInsertRowid,
      );
      for (const t of queued) {
        this.stmts.insertDelivery.run(
          id,
          t.receiver,
          input.groupKey,
          t.dedupKey,
          t.immediate ? 'delivered' : 'pending',
          input.receivedAt,
          input.deadlineAt,
          t.immediate ? input.receivedAt : null,
        );
      }
      let count = this.count + 1;
      let total = this.bytes + bytes;
      const dropped: string[] = [];
      while (count > this.capacity || total > this.maxBytes) {
        const oldest = this.stmts.oldest.get() as { id: number; bytes: number } | undefined;
        if (!oldest || oldest.id === id) break;
        for (const r of this.stmts.pendingOf.all(oldest.id) as { receiver: string }[])
          dropped.push(r.receiver);
        this.stmts.deleteDeliveries.run(oldest.id);
        this.stmts.deleteNotification.run(oldest.id);
        count--;
        total -= oldest.bytes;
      }
      this.count = count;
      this.bytes = total;
      return { id, queued: queued.map((t) => t.receiver), duplicates, dropped };
    });
    const before = { count: this.count, bytes: this.bytes };
    try {
      return run();
    } catch (e) {
      this.count = before.count;
      this.bytes = before.bytes;
      throw e;
    }
  }

  /** Pending deliveries at the head of their (receiver, group) line whose next attempt is due at `now`. */
  due(now: number, limit = 100): DueDelivery[] {
    return this.stmts.due.all(now, limit) as DueDelivery[];
  }

  /** Every pending delivery at the head of its (receiver, group) line, with its next attempt time (ms). */
  heads(): { notificationId: number; receiver: string; nextAt: number }[] {
    return this.stmts.heads.all() as { notificationId: number; receiver: string; nextAt: number }[];
  }

  /** Writes an attempt's outcome (fsync'd). */
  record(notificationId: number, receiver: string, outcome: AttemptOutcome, now: number): void {
    const finished = outcome.state === 'pending' ? null : now;
    const nextAt = outcome.state === 'pending' ? outcome.nextAt : now;
    const error = outcome.state === 'delivered' ? null : outcome.error;
    this.stmts.record.run(outcome.state, nextAt, finished, error, notificationId, receiver);
  }

  /** Marks failed every pending delivery whose deadline is at or before `now`, except `skip`; returns them. */
  giveUpOverdue(now: number, skip: ReadonlySet<string>): { notificationId: number; receiver: string }[] {
    return this.db.transaction(() => {
      const overdue = (this.stmts.overdue.all(now) as { notificationId: number; receiver: string }[]).filter(
        (d) => !skip.has(`${d.notificationId}/${d.receiver}`),
      );
      for (const d of overdue) this.stmts.giveUp.run(now, d.notificationId, d.receiver);
      return overdue;
    })();
  }

  /** Deliveries pending and the receive time of the oldest notification with one (ms). */
  pending(): { count: number; oldestReceivedAt: number | undefined } {
    const row = this.stmts.pendingStats.get() as { n: number; oldest: number | null };
    return { count: row.n, oldestReceivedAt: row.oldest ?? undefined };
  }

  /** The newest notifications with their deliveries, newest first. */
  list(limit: number): QueuedNotification[] {
    const rows = this.stmts.newest.all(limit) as Omit<QueuedNotification, 'deliveries'>[];
    return rows.map((n) => ({
      ...n,
      deliveries: this.stmts.deliveriesOf.all(n.id) as QueuedNotification['deliveries'],
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
