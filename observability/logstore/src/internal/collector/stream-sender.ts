// The collector's sender: one queue per stream, so that a refusal for one stream never holds back the
// others (no head-of-line blocking). Each push takes a slice of every stream that is ready, round
// robin; the answer is interpreted per entry (push-outcome.ts) and each entry ends exactly once:
// acknowledged (stored) or dropped for good (counted by reason in
// opsight_collector_entries_dropped_total and logged at most once per stream per minute). Until then
// it stays queued, and the file position of the collector does not pass it.
//
// Retry policy:
//   - store unavailable (5xx, 503 for a full disk, network, timeouts) and configuration errors (401,
//     403, 404): the whole sender backs off (Retry-After honoured, else exponential from minBackoffMs to
//     maxBackoffMs) and retries for ever: nothing is dropped, so nothing acknowledged is lost.
//   - 429 stream limit: that stream alone backs off; 429 rate limit: every stream backs off (the limit
//     is the tenant's). A stream keeps retrying for at most maxRetryPeriodMs (Alloy's
//     max_backoff_period × max_backoff_retries; default 10 minutes) from its first refusal; entries
//     refused after that are dropped (reason stream_limit / rate_limited) after one more try each,
//     until the stream is accepted again.
//   - 413: the push is split in halves until it fits; a single entry that alone is too large is
//     dropped (request_too_large).
//   - 400: the entries the store names are dropped (line_too_long, greater_than_max_sample_age,
//     too_far_in_future, too_far_behind, ...); the rest was stored.
import { Counter, type Registry } from 'prom-client';
import type { Labels } from '../labels.js';
import { encodePushProtobuf } from '../push/decode-push.js';
import { DISCARD_REASONS, type EntryOutcome, interpretPush } from './push-outcome.js';

/** One entry waiting to be shipped. `done` is called once, when it is stored or dropped for good. */
export interface SendEntry {
  ts: bigint;
  line: string;
  metadata?: Labels;
  done(outcome: 'sent' | 'dropped'): void;
}

export interface StreamSenderOptions {
  /** Base URL of the store, e.g. http://127.0.0.1:3100 */
  url: string;
  /** X-Scope-OrgID to send; none by default (single-tenant store). */
  tenant?: string;
  /** Bearer token for the store. */
  bearerToken?: string;
  /** Most entries per push. @default 1000 */
  batchMaxEntries?: number;
  /** Most line bytes per push. @default 1048576 */
  batchMaxBytes?: number;
  /** First retry delay, doubled per failure, ms. @default 250 */
  minBackoffMs?: number;
  /** Longest retry delay, ms. @default 10000 */
  maxBackoffMs?: number;
  /**
   * How long a stream refused with 429 (stream or rate limit) is retried before its refused entries are
   * dropped and counted, ms. Alloy's equivalent is max_backoff_period × max_backoff_retries.
   * @default 600000 (10 minutes)
   */
  maxRetryPeriodMs?: number;
  /** Timeout of one push, ms. @default 10000 */
  pushTimeoutMs?: number;
  /** Where drop messages go (at most one per stream per minute). @default process.stderr */
  log?: (line: string) => void;
  /** Registry for the sender's metrics. */
  registry: Registry;
}

interface StreamQueue {
  key: string;
  entries: SendEntry[];
  /** Not before this time (ms): the stream's own back-off. */
  retryAt: number;
  backoff: number;
  /** Start of the current run of 429 refusals (ms); undefined once accepted. */
  refusedSince?: number;
}

interface Slice {
  q: StreamQueue;
  n: number;
}

const LOG_EVERY_MS = 60_000;

export class StreamSender {
  private readonly streams = new Map<string, StreamQueue>();
  /** When a drop of each stream was last logged, and the drops not logged since. */
  private readonly logged = new Map<string, { at: number; suppressed: number }>();
  private order: string[] = [];
  private cursor = 0;
  private queued = 0;
  private globalRetryAt = 0;
  private globalBackoff: number;
  /** Entries per push while a 413 asks for smaller pushes. */
  private splitCap = Number.POSITIVE_INFINITY;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly m: { sent: Counter; dropped: Counter; retries: Counter };
  private readonly log: (line: string) => void;

  constructor(private readonly o: StreamSenderOptions) {
    this.globalBackoff = o.minBackoffMs ?? 250;
    this.log = o.log ?? ((l) => process.stderr.write(`${l}\n`));
    const registers = [o.registry];
    this.m = {
      sent: new Counter({
        name: 'opsight_collector_entries_sent_total',
        help: 'Entries acknowledged by the store.',
        registers,
      }),
      dropped: new Counter({
        name: 'opsight_collector_entries_dropped_total',
        help: 'Log entries dropped for good (rejected by the store, or refused with 429 past the retry period), by reason.',
        labelNames: ['reason'],
        registers,
      }),
      retries: new Counter({
        name: 'opsight_collector_send_retries_total',
        help: 'Pushes retried after a failure.',
        registers,
      }),
    };
    // At 0 from the start, so that the first drop of a reason is an increase Prometheus can see.
    for (const reason of DISCARD_REASONS) this.m.dropped.inc({ reason }, 0);
  }

  /** Entries queued and not yet stored or dropped. */
  get size(): number {
    return this.queued;
  }

  /** Counts an entry dropped before it was queued (e.g. an unparsable line). */
  countDropped(reason: string, n = 1): void {
    this.m.dropped.inc({ reason }, n);
  }

  enqueue(key: string, entry: SendEntry): void {
    let q = this.streams.get(key);
    if (!q) {
      q = { key, entries: [], retryAt: 0, backoff: this.o.minBackoffMs ?? 250 };
      this.streams.set(key, q);
      this.order.push(key);
    }
    q.entries.push(entry);
    this.queued++;
    this.wake?.();
  }

  /** Timestamp of the oldest entry not yet stored or dropped, over every stream (ns). */
  oldestTs(): bigint | undefined {
    let oldest: bigint | undefined;
    for (const q of this.streams.values()) {
      const e = q.entries[0];
      if (e && (oldest === undefined || e.ts < oldest)) oldest = e.ts;
    }
    return oldest;
  }

  /** Sends until stopped. */
  async run(): Promise<void> {
    while (!this.stopped) {
      const now = Date.now();
      const batch = now >= this.globalRetryAt ? this.take(now) : [];
      if (batch.length === 0) {
        await this.sleep(this.nextWakeIn(now));
        continue;
      }
      await this.send(batch);
    }
  }

  /** Stops after the push in flight (which is aborted); queued entries stay unacknowledged. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
  }

  private nextWakeIn(now: number): number {
    let at = now + 200;
    if (this.globalRetryAt > now) at = Math.min(at, this.globalRetryAt);
    return Math.max(1, at - now);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        r();
      }
      this.wake = done;
    }).then(() => {
      this.wake = undefined;
    });
  }

  /** A round-robin slice of every ready stream, within the batch limits. */
  private take(now: number): Slice[] {
    const maxN = Math.min(this.o.batchMaxEntries ?? 1000, this.splitCap);
    const maxB = this.o.batchMaxBytes ?? 1024 * 1024;
    // Forget empty streams that are not in a run of refusals.
    if (this.order.length > 0 && this.order.length > this.streams.size * 2)
      this.order = [...this.streams.keys()];
    const out: Slice[] = [];
    let n = 0;
    let bytes = 0;
    const len = this.order.length;
    const seen = new Set<string>();
    for (let i = 0; i < len && n < maxN && bytes < maxB; i++) {
      const key = this.order[(this.cursor + i) % len]!;
      const q = this.streams.get(key);
      if (!q || seen.has(key) || q.entries.length === 0 || q.retryAt > now) continue;
      seen.add(key);
      let k = 0;
      while (k < q.entries.length && n < maxN && (bytes < maxB || n === 0)) {
        bytes += Buffer.byteLength(q.entries[k]!.line);
        k++;
        n++;
      }
      out.push({ q, n: k });
    }
    this.cursor = len > 0 ? (this.cursor + 1) % len : 0;
    return out;
  }

  private async send(batch: Slice[]): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/x-protobuf' };
    if (this.o.tenant) headers['x-scope-orgid'] = this.o.tenant;
    if (this.o.bearerToken) headers.authorization = `Bearer ${this.o.bearerToken}`;
    const streams = batch.map(({ q, n }) => ({
      labels: q.key,
      entries: q.entries
        .slice(0, n)
        .map((e) =>
          e.metadata ? { ts: e.ts, line: e.line, metadata: e.metadata } : { ts: e.ts, line: e.line },
        ),
    }));
    let status: number | undefined;
    let text: string;
    let retryAfter: string | null = null;
    try {
      const res = await fetch(`${this.o.url}/loki/api/v1/push`, {
        method: 'POST',
        headers,
        body: encodePushProtobuf(streams),
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.pushTimeoutMs ?? 10_000)]),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text().catch(() => '');
    } catch (e) {
      if (this.stopped) return;
      text = `push failed: ${(e as Error).message}`;
    }
    const result = interpretPush(
      batch.map(({ q, n }) => ({ labels: q.key, count: n })),
      status,
      text,
      retryAfter,
    );
    this.apply(batch, result.outcomes, result.retryAfterMs, result.summary);
  }

  private apply(
    batch: Slice[],
    outcomes: EntryOutcome[][],
    retryAfterMs: number | undefined,
    summary: string,
  ) {
    const now = Date.now();
    const minB = this.o.minBackoffMs ?? 250;
    const maxB = this.o.maxBackoffMs ?? 10_000;
    const maxRetry = this.o.maxRetryPeriodMs ?? 600_000;
    const total = batch.reduce((s, b) => s + b.n, 0);
    let globalFailure = false;
    let retried = false;
    let tooLarge = false;
    batch.forEach(({ q, n }, si) => {
      const prefix = q.entries.slice(0, n);
      const keep: SendEntry[] = [];
      let refused: 'stream_limit' | 'rate_limited' | undefined;
      let accepted = false;
      prefix.forEach((e, j) => {
        const o = outcomes[si]![j] ?? { kind: 'retry', why: 'unavailable' };
        if (o.kind === 'ack') {
          accepted = true;
          this.queued--;
          this.m.sent.inc();
          e.done('sent');
          return;
        }
        if (o.kind === 'drop') {
          accepted = true;
          this.drop(q, e, o.reason, o.message, now);
          return;
        }
        switch (o.why) {
          case 'unavailable':
            globalFailure = true;
            keep.push(e);
            return;
          case 'resend':
            keep.push(e);
            return;
          case 'too_large':
            if (total <= 1) {
              this.drop(q, e, 'request_too_large', summary, now);
              return;
            }
            tooLarge = true;
            keep.push(e);
            return;
          case 'rate_limited':
          case 'stream_limit': {
            refused = o.why;
            q.refusedSince ??= now;
            if (now - q.refusedSince >= maxRetry) {
              this.drop(
                q,
                e,
                o.why,
                `${summary} (retried for ${Math.round((now - q.refusedSince) / 1000)}s)`,
                now,
              );
              return;
            }
            keep.push(e);
            return;
          }
        }
      });
      q.entries = keep.concat(q.entries.slice(n));
      if (refused) {
        retried = true;
        if (refused === 'rate_limited') globalFailure = true;
        q.retryAt = now + (retryAfterMs ?? q.backoff);
        q.backoff = Math.min(q.backoff * 2, maxB);
      } else if (accepted) {
        q.refusedSince = undefined;
        q.backoff = minB;
        q.retryAt = 0;
      }
      if (q.entries.length === 0 && q.refusedSince === undefined) this.streams.delete(q.key);
    });
    if (globalFailure) {
      retried = true;
      this.globalRetryAt = now + (retryAfterMs ?? this.globalBackoff);
      this.globalBackoff = Math.min(this.globalBackoff * 2, maxB);
    } else {
      this.globalBackoff = minB;
    }
    if (tooLarge) {
      retried = true;
      this.splitCap = Math.max(1, Math.floor(total / 2));
    } else if (!globalFailure && this.splitCap !== Number.POSITIVE_INFINITY) {
      // Grow back once pushes fit again.
      this.splitCap =
        this.splitCap * 2 >= (this.o.batchMaxEntries ?? 1000) ? Number.POSITIVE_INFINITY : this.splitCap * 2;
    }
    if (retried) this.m.retries.inc();
  }

  private drop(q: StreamQueue, e: SendEntry, reason: string, message: string, now: number): void {
    this.queued--;
    this.m.dropped.inc({ reason });
    e.done('dropped');
    const l = this.logged.get(q.key);
    if (!l || now - l.at >= LOG_EVERY_MS) {
      const more = l && l.suppressed > 0 ? ` (and ${l.suppressed} more since the last message)` : '';
      this.log(`collector: dropped an entry of ${q.key} for good, reason ${reason}: ${message}${more}`);
      if (this.logged.size > 10_000) {
        for (const [k, v] of this.logged) if (now - v.at >= LOG_EVERY_MS) this.logged.delete(k);
      }
      this.logged.set(q.key, { at: now, suppressed: 0 });
    } else {
      l.suppressed++;
    }
  }
}
