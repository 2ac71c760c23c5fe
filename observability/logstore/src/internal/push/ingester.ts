// Validates decoded push requests the way Loki's distributor does, then stores them.
//
// Partial-batch rule (Loki's): a request that cannot be decoded, or that would exceed the tenant's
// ingestion rate, is rejected whole and nothing of it is stored. Otherwise each stream and entry is
// validated on its own: a stream with an invalid label set is dropped whole, an invalid entry
// (line too long, timestamp too old / too new / too far behind its stream) is dropped alone, and
// the valid rest is stored. The response is then 400 listing the rejected parts (or 429 when
// streams were refused by the stream limit), and 204 when everything was accepted. Each rejected
// part is machine-readable too: stable code, Loki's reason, the stream and the entry's index.
//
// Stream limit: only ACTIVE streams count (active-streams.ts): a stream that received no entry
// within `chunk_idle_period_ms` leaves the active set, so new streams are accepted again once a
// flood's streams go idle. A stream coming back from idle needs room like a new one, as in Loki.
//
// Line size: a line over `max_line_size` is rejected alone, or with `max_line_size_truncate`
// cut to the limit and stored (counted as mutated, as Loki counts it).
import type { ErrorCode } from '../error-codes.js';
import { formatLabels, isValidLabelName, LabelSyntaxError, type Labels, parseLabelSet } from '../labels.js';
import { type Limits, RateLimiter } from '../limits.js';
import type { AppendBatch, Entry, LogStorage } from '../storage/log-storage.js';
import { ActiveStreams } from './active-streams.js';
import type { RawStream } from './decode-push.js';

/** One rejected stream or entry of a push. */
export interface PushError {
  /** Stable code from the error catalogue. */
  code: ErrorCode;
  /** Loki's message for it. */
  message: string;
  /** Where in the request: `streams[i]`, `streams[i].labels` or `streams[i].values[j]`. */
  field: string;
  /** Loki's `reason` label for the discarded entries (loki_discarded_samples_total). */
  reason: string;
  /** Index of the stream in the request (absent for whole-request errors). */
  streamIndex?: number;
  /** Index of the entry in its stream (entry errors only). */
  entryIndex?: number;
  /** The stream's canonical label set, when it parsed. */
  stream?: string;
}

export interface PushOutcome {
  status: 204 | 400 | 429;
  /** Loki's error messages, one per rejected part (empty on 204). */
  errors: PushError[];
  accepted: number;
  /** Entries dropped, by Loki's `reason` label. */
  discarded: Record<string, number>;
  /** Lines cut to max_line_size (max_line_size_truncate), and the bytes cut off. */
  truncated: { lines: number; bytes: number };
  /** Streams stored, with the entries that were new, for live tailing. */
  stored: Array<{ labels: Labels; entries: Entry[] }>;
}

/** One push of a group: a tenant's decoded streams. */
export interface PushRequest {
  tenant: string;
  streams: RawStream[];
}

/**
 * What the pushes of a group before this one will have stored, for validating the next one as if they
 * had been committed: each stream's newest planned entry, and the streams they make active.
 */
class GroupView {
  private readonly newest = new Map<string, bigint>();
  private readonly activated = new Map<string, Set<string>>();

  newestTs(tenant: string, key: string, stored: bigint): bigint {
    const planned = this.newest.get(`${tenant}\u0000${key}`);
    return planned !== undefined && planned > stored ? planned : stored;
  }

  plan(tenant: string, key: string, ts: bigint): void {
    const k = `${tenant}\u0000${key}`;
    const prev = this.newest.get(k);
    if (prev === undefined || ts > prev) this.newest.set(k, ts);
  }

  activatedStreams(tenant: string): Set<string> {
    let set = this.activated.get(tenant);
    if (!set) {
      set = new Set();
      this.activated.set(tenant, set);
    }
    return set;
  }
}

/** A validated push: its outcome but for the entries stored, and the batch to store. */
interface PlannedPush {
  outcome: PushOutcome;
  batch: Array<{ labels: Labels; entries: Entry[] }>;
}

const NS_PER_MS = 1_000_000n;

/** Structured metadata names already checked (they repeat on every line). */
const validNames = new Set<string>();
function rememberValid(name: string): boolean {
  if (!isValidLabelName(name)) return false;
  if (validNames.size < 10_000) validNames.add(name);
  return true;
}

export class Ingester {
  private readonly rate: RateLimiter;
  /** The streams counted by the stream limit and loki_ingester_memory_streams. */
  readonly active: ActiveStreams;

  constructor(
    private readonly storage: LogStorage,
    private readonly limitsFor: (tenant: string) => Limits,
    startMs = Date.now(),
  ) {
    this.rate = new RateLimiter(limitsFor);
    this.active = new ActiveStreams((t) => limitsFor(t).chunk_idle_period_ms);
    // Rebuilt from recent data: each stream as active as its newest stored entry.
    this.active.load(
      storage.tenants().flatMap((tenant) =>
        storage
          .streams(tenant)
          .filter((s) => s.maxTs !== 0n)
          .map((s) => ({ tenant, id: s.id, newestMs: Number(s.maxTs / NS_PER_MS) })),
      ),
      startMs,
    );
  }

  /** Active streams of a tenant now (what loki_ingester_memory_streams reports). */
  activeStreams(tenant: string, nowMs = Date.now()): number {
    return this.active.count(tenant, nowMs);
  }

  /**
   * Validates and stores one push on its own (one transaction). A failed write (a full disk) throws, and
   * nothing of the push is stored.
   */
  push(tenant: string, streams: RawStream[], nowMs = Date.now()): PushOutcome {
    const out = this.pushGroup([{ tenant, streams }], nowMs)[0]!;
    if (out instanceof Error) throw out;
    return out;
  }

  /**
   * Group commit: validates each push in order, as if the ones before it in the group had been stored
   * (the same answers as pushing them one after the other), then stores every push's valid entries in
   * ONE transaction. When that transaction fails (a full disk), each push is written again alone, so a
   * push never fails because of its neighbours: each result is the push's outcome, or the error of its
   * own failed write (with nothing of that push stored).
   */
  pushGroup(requests: readonly PushRequest[], nowMs = Date.now()): Array<PushOutcome | Error> {
    const view = new GroupView();
    const plans = requests.map((r) => this.plan(r.tenant, r.streams, nowMs, view));
    const results: Array<PushOutcome | Error> = plans.map((p) => p.outcome);
    const writes = plans.flatMap((p, i) => (p.batch.length > 0 ? [i] : []));
    const stored = (i: number, inserted: number) => {
      const { tenant } = requests[i]!;
      const p = plans[i]!;
      p.outcome.accepted = inserted;
      for (const b of p.batch) {
        const s = this.storage.findStream(tenant, b.labels);
        if (s) this.active.touch(tenant, s.id, nowMs);
      }
    };
    const batchOf = (i: number): { tenant: string; batch: AppendBatch } => ({
      tenant: requests[i]!.tenant,
      batch: plans[i]!.batch,
    });
    try {
      const counts = writes.length > 0 ? this.storage.appendGroup(writes.map(batchOf)) : [];
      writes.forEach((i, k) => {
        stored(i, counts[k]!);
      });
    } catch (e) {
      if (writes.length === 1) results[writes[0]!] = asError(e);
      else
        for (const i of writes) {
          try {
            stored(i, this.storage.appendGroup([batchOf(i)])[0]!);
          } catch (alone) {
            results[i] = asError(alone);
          }
        }
    }
    return results;
  }

  /** Validates a push (Loki's rules, the rate and stream limits) against what is stored and `view`. */
  private plan(tenant: string, streams: RawStream[], nowMs: number, view: GroupView): PlannedPush {
    const limits = this.limitsFor(tenant);
    const errors: PushOutcome['errors'] = [];
    const discarded: Record<string, number> = {};
    const truncated = { lines: 0, bytes: 0 };
    const drop = (reason: string, n: number) => {
      discarded[reason] = (discarded[reason] ?? 0) + n;
    };
    const now = BigInt(nowMs) * NS_PER_MS;
    const oldest = now - BigInt(limits.reject_old_samples_max_age_ms) * NS_PER_MS;
    const newest = now + BigInt(limits.creation_grace_period_ms) * NS_PER_MS;
    const window = BigInt(limits.out_of_order_window_ms) * NS_PER_MS;
    // Merge streams with the same label set (a request may repeat one).
    const accepted = new Map<string, { labels: Labels; entries: Entry[]; streamIndex: number }>();
    let bytes = 0;
    let lines = 0;

    streams.forEach((s, i) => {
      const field = `streams[${i}]`;
      let labels: Labels;
      let duplicate: string | undefined;
      if (typeof s.labels === 'string') {
        try {
          ({ labels, duplicate } = parseLabelSet(s.labels));
        } catch (e) {
          if (!(e instanceof LabelSyntaxError)) throw e;
          errors.push({
            code: 'INVALID_LABELS',
            field: `${field}.labels`,
            reason: 'invalid_labels',
            streamIndex: i,
            stream: s.labels,
            message: `Error parsing labels '${s.labels}' with error: ${e.message}`,
          });
          drop('invalid_labels', s.entries.length);
          return;
        }
      } else {
        labels = s.labels;
      }
      const key = formatLabels(labels);
      const streamError = this.validateLabels(labels, key, duplicate, limits);
      if (streamError) {
        errors.push({ ...streamError, field: `${field}.labels`, streamIndex: i, stream: key });
        drop(streamError.reason, s.entries.length);
        return;
      }
      if (s.entries.length === 0) return;
      const existing = this.storage.findStream(tenant, labels);
      let maxTs = view.newestTs(tenant, key, existing?.maxTs ?? 0n);
      let behind = maxTs - window;
      const slot = accepted.get(key) ?? { labels, entries: [], streamIndex: i };
      for (const [j, entry] of s.entries.entries()) {
        let e = entry;
        const efield = `${field}.values[${j}]`;
        const reject = (code: ErrorCode, reason: string, message: string) => {
          errors.push({ code, field: efield, reason, streamIndex: i, entryIndex: j, stream: key, message });
          drop(reason, 1);
        };
        let size = Buffer.byteLength(e.line);
        if (limits.max_line_size > 0 && size > limits.max_line_size) {
          if (!limits.max_line_size_truncate) {
            reject(
              'LINE_TOO_LONG',
              'line_too_long',
              `Max entry size '${limits.max_line_size}' bytes exceeded for stream '${key}' while adding an entry with length '${size}' bytes`,
            );
            continue;
          }
          const line = truncateUtf8(e.line, limits.max_line_size);
          const cut = Buffer.byteLength(line);
          truncated.lines++;
          truncated.bytes += size - cut;
          size = cut;
          e = e.metadata ? { ts: e.ts, line, metadata: e.metadata } : { ts: e.ts, line };
        }
        if (e.ts < oldest) {
          reject(
            'TIMESTAMP_TOO_OLD',
            'greater_than_max_sample_age',
            `entry for stream '${key}' has timestamp too old: ${iso(e.ts)}, oldest acceptable timestamp is: ${iso(oldest)}`,
          );
          continue;
        }
        if (e.ts > newest) {
          reject(
            'TIMESTAMP_TOO_NEW',
            'too_far_in_future',
            `entry for stream '${key}' has timestamp too new: ${iso(e.ts)}`,
          );
          continue;
        }
        if (maxTs !== 0n && e.ts < behind) {
          reject(
            'ENTRY_TOO_FAR_BEHIND',
            'too_far_behind',
            `entry too far behind, entry timestamp is: ${iso(e.ts)}, oldest acceptable timestamp is: ${iso(maxTs - window)}`,
          );
          continue;
        }
        const md = e.metadata;
        if (md) {
          const names = Object.keys(md);
          const mdSize = names.reduce((n, k) => n + k.length + md[k]!.length, 0);
          if (names.length > limits.max_structured_metadata_entries_count) {
            reject(
              'STRUCTURED_METADATA_TOO_MANY',
              'structured_metadata_too_many',
              `stream '${key}' has too many structured metadata labels: '${names.length}', limit: '${limits.max_structured_metadata_entries_count}'.`,
            );
            continue;
          }
          if (mdSize > limits.max_structured_metadata_size) {
            reject(
              'STRUCTURED_METADATA_TOO_LARGE',
              'structured_metadata_too_large',
              `stream '${key}' has structured metadata too large: '${mdSize}' bytes, limit: '${limits.max_structured_metadata_size}' bytes.`,
            );
            continue;
          }
          const bad = names.find((n) => !validNames.has(n) && !rememberValid(n));
          if (bad !== undefined) {
            reject(
              'INVALID_STRUCTURED_METADATA',
              'invalid_labels',
              `stream '${key}' has invalid structured metadata name: '${bad}'`,
            );
            continue;
          }
        }
        if (e.ts > maxTs) {
          maxTs = e.ts;
          behind = maxTs - window;
        }
        slot.entries.push(e);
        bytes += size;
        lines++;
      }
      if (slot.entries.length > 0) accepted.set(key, slot);
    });

    if (lines > 0 && !this.rate.take(tenant, bytes, nowMs)) {
      const limit = Math.round(limits.ingestion_rate_mb * 1024 * 1024);
      drop('rate_limited', lines);
      const outcome: PushOutcome = {
        status: 429,
        errors: [
          {
            code: 'RATE_LIMITED',
            field: 'streams',
            reason: 'rate_limited',
            message: `Ingestion rate limit exceeded for user ${tenant} (limit: ${limit} bytes/sec) while attempting to ingest '${lines}' lines totaling '${bytes}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased`,
          },
        ],
        accepted: 0,
        discarded,
        truncated,
        stored: [],
      };
      return { outcome, batch: [] };
    }

    // Stream limit: streams that are not active (new, or back from idle) beyond the tenant's limit of
    // active streams are refused (429); the rest is stored.
    const activated = view.activatedStreams(tenant);
    let activeCount = this.active.count(tenant, nowMs) + activated.size;
    let streamLimited = false;
    const batch: Array<{ labels: Labels; entries: Entry[] }> = [];
    for (const [key, slot] of accepted) {
      const existing = this.storage.findStream(tenant, slot.labels);
      const active =
        activated.has(key) || (existing !== undefined && this.active.isActive(tenant, existing.id, nowMs));
      if (!active) {
        if (limits.max_global_streams_per_user > 0 && activeCount >= limits.max_global_streams_per_user) {
          streamLimited = true;
          errors.push({
            code: 'STREAM_LIMIT',
            field: `streams[${slot.streamIndex}]`,
            reason: 'stream_limit',
            streamIndex: slot.streamIndex,
            stream: key,
            message: `Maximum active stream limit exceeded when trying to create stream ${key}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: '${tenant}'`,
          });
          drop('stream_limit', slot.entries.length);
          continue;
        }
        activeCount++;
        activated.add(key);
      }
      for (const e of slot.entries) view.plan(tenant, key, e.ts);
      batch.push({ labels: slot.labels, entries: slot.entries });
    }
    const status = streamLimited ? 429 : errors.length > 0 ? 400 : 204;
    // `accepted` is set once the batch is stored.
    return { outcome: { status, errors, accepted: 0, discarded, truncated, stored: batch }, batch };
  }

  private validateLabels(
    labels: Labels,
    key: string,
    duplicate: string | undefined,
    limits: Limits,
  ): { code: ErrorCode; reason: string; message: string } | undefined {
    const names = Object.keys(labels);
    if (names.length === 0) {
      return {
        code: 'MISSING_LABELS',
        reason: 'missing_labels',
        message: 'error at least one label pair is required per stream',
      };
    }
    if (duplicate !== undefined) {
      return {
        code: 'DUPLICATE_LABEL_NAMES',
        reason: 'duplicate_label_names',
        message: `stream '${key}' has duplicate label name: '${duplicate}'`,
      };
    }
    if (names.length > limits.max_label_names_per_series) {
      return {
        code: 'MAX_LABEL_NAMES_PER_SERIES',
        reason: 'max_label_names_per_series',
        message: `entry for stream '${key}' has ${names.length} label names; limit ${limits.max_label_names_per_series}`,
      };
    }
    for (const n of names) {
      if (!isValidLabelName(n)) {
        return {
          code: 'INVALID_LABELS',
          reason: 'invalid_labels',
          message: `Error parsing labels '${key}' with error: invalid label name '${n}'`,
        };
      }
      if (n.length > limits.max_label_name_length) {
        return {
          code: 'LABEL_NAME_TOO_LONG',
          reason: 'label_name_too_long',
          message: `stream '${key}' has label name too long: '${n}'`,
        };
      }
      const v = labels[n]!;
      if (v.length > limits.max_label_value_length) {
        return {
          code: 'LABEL_VALUE_TOO_LONG',
          reason: 'label_value_too_long',
          message: `stream '${key}' has label value too long: '${v}'`,
        };
      }
    }
    return undefined;
  }
}

/** The longest prefix of `line` of at most `maxBytes` UTF-8 bytes that does not split a character. */
export function truncateUtf8(line: string, maxBytes: number): string {
  const buf = Buffer.from(line, 'utf8');
  if (buf.length <= maxBytes) return line;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function iso(ns: bigint): string {
  const ms = Number(ns / NS_PER_MS);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ns}ns` : d.toISOString();
}
