// Retention: what the store keeps, by age and by a size budget, enforced oldest first. The one
// place that decides what is deleted.
//
// - Age (`maxAgeMs`): entries older than now - maxAge are deleted.
// - Size (`maxBytes`, `--retention-bytes`), split per tenant: the budget is divided evenly between
//   the tenants of the token file and the tenants that hold data (one tenant: the whole budget). A
//   tenant may use more than its share while the store is under its budget; once the database's
//   pages in use exceed the budget, only tenants over their share lose data, the one most over it
//   first, oldest first within that tenant (rows and chunks). A tenant within its share is never
//   evicted, so one tenant's volume cannot evict another's data. A tenant's use is estimated from
//   the bytes it stores (LogStorage.tenantBytes).
// - When: every `intervalMs`, and after a write that leaves the database over its budget (so a
//   burst cannot run far past it between two periodic runs). The check after a write is three
//   PRAGMA reads; the deletion itself runs on the next turn of the event loop, after the push has
//   been answered, and never two at once.
//
// Guarantees: retention only deletes what its rules select, oldest first, in transactions (a kill
// -9 mid-run leaves either the slice or none of it deleted). On a full disk a run may itself fail
// (deleting needs room in the WAL); the failure is counted and the next run tries again.
import { statfsSync } from 'node:fs';
import type { LogStorage } from './log-storage.js';

const GiB = 1024 * 1024 * 1024;

/** The default size budget: 2 GiB, or a fifth of the data directory's filesystem if smaller. */
export function defaultRetentionBytes(dataDir: string): number {
  if (dataDir === ':memory:') return 2 * GiB;
  try {
    const fs = statfsSync(dataDir);
    return Math.min(2 * GiB, Math.floor((fs.blocks * fs.bsize) / 5));
  } catch {
    return 2 * GiB;
  }
}

/**
 * Parses a `--retention-bytes` value: bytes with a unit (`2GB`, `512MiB`) or a share of the data
 * directory's filesystem (`10%`); `0` turns the size budget off.
 */
export function parseRetentionBytes(
  value: string,
  dataDir: string,
  parseBytes: (s: string) => number,
): number {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (!pct) return parseBytes(value);
  const fs = statfsSync(dataDir);
  return Math.floor((fs.blocks * fs.bsize * Number(pct[1])) / 100);
}

export interface RetentionOptions {
  /** Age limit in ms; 0 keeps entries forever. @default 0 */
  maxAgeMs?: number;
  /** Size budget in bytes of database pages in use; 0 is unbounded. @default 0 */
  maxBytes?: number;
  /**
   * The configured tenants (those of the token file): each gets a share of `maxBytes` even before it
   * writes. Tenants holding data always count. @default () => []
   */
  tenants?: () => string[];
}

export interface RetentionRun {
  /** Entries deleted. */
  entries: number;
  /** Bytes of database pages freed. */
  bytes: number;
}

export class Retention {
  private scheduled = false;

  constructor(
    private readonly storage: LogStorage,
    private readonly options: RetentionOptions,
    /** Called after each run that deleted something, and with each failure. */
    private readonly report: (run: RetentionRun | Error) => void = () => {},
  ) {}

  /** The size budget in bytes of the whole store (0: none); split per tenant when enforced. */
  budgetBytes(): number {
    return this.options.maxBytes ?? 0;
  }

  /** Runs age and size retention now. */
  run(nowMs = Date.now()): RetentionRun {
    const maxAge = this.options.maxAgeMs ? BigInt(this.options.maxAgeMs) * 1_000_000n : undefined;
    const budget = this.budgetBytes() || undefined;
    const before = this.storage.usedBytes();
    const entries = this.storage.applyRetention(
      BigInt(nowMs) * 1_000_000n,
      maxAge,
      budget,
      this.options.tenants?.() ?? [],
    );
    const out = { entries, bytes: Math.max(0, before - this.storage.usedBytes()) };
    if (entries > 0) this.report(out);
    return out;
  }

  /** Runs `run()` and reports (rather than throws) a failure such as a full disk. */
  runSafely(nowMs = Date.now()): RetentionRun | undefined {
    if (!this.storage.db.open) return undefined;
    try {
      return this.run(nowMs);
    } catch (e) {
      this.report(e as Error);
      return undefined;
    }
  }

  /** After a write: schedules a run when the database is over its budget. */
  afterWrite(): void {
    const budget = this.budgetBytes();
    if (budget <= 0 || this.scheduled) return;
    if (this.storage.usedBytes() <= budget) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.runSafely();
    });
  }
}
