// Validates decoded push requests the way Loki's distributor does, then stores them.
//
// Partial-batch rule (Loki's): a request that cannot be decoded, or that would exceed the tenant's
// ingestion rate, is rejected whole and nothing of it is stored. Otherwise each stream and entry is
// validated on its own: a stream with an invalid label set is dropped whole, an invalid entry
// (line too long, timestamp too old / too new / too far behind its stream) is dropped alone, and
// the valid rest is stored. The response is then 400 listing the rejected parts (or 429 when
// streams were refused by the stream limit), and 204 when everything was accepted.
import type { ErrorCode } from '../error-codes.js';
import { formatLabels, isValidLabelName, LabelSyntaxError, type Labels, parseLabelSet } from '../labels.js';
import { type Limits, RateLimiter } from '../limits.js';
import type { Entry, LogStorage } from '../storage/log-storage.js';
import type { RawStream } from './decode-push.js';

export interface PushOutcome {
  status: 204 | 400 | 429;
  /** Loki's error messages, one per rejected part (empty on 204). */
  errors: Array<{ code: ErrorCode; message: string; field: string }>;
  accepted: number;
  /** Entries dropped, by Loki's `reason` label. */
  discarded: Record<string, number>;
  /** Streams stored, with the entries that were new, for live tailing. */
  stored: Array<{ labels: Labels; entries: Entry[] }>;
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

  constructor(
    private readonly storage: LogStorage,
    private readonly limitsFor: (tenant: string) => Limits,
  ) {
    this.rate = new RateLimiter(limitsFor);
  }

  push(tenant: string, streams: RawStream[], nowMs = Date.now()): PushOutcome {
    const limits = this.limitsFor(tenant);
    const errors: PushOutcome['errors'] = [];
    const discarded: Record<string, number> = {};
    const drop = (reason: string, n: number) => {
      discarded[reason] = (discarded[reason] ?? 0) + n;
    };
    const now = BigInt(nowMs) * NS_PER_MS;
    const oldest = now - BigInt(limits.reject_old_samples_max_age_ms) * NS_PER_MS;
    const newest = now + BigInt(limits.creation_grace_period_ms) * NS_PER_MS;
    const window = BigInt(limits.out_of_order_window_ms) * NS_PER_MS;
    // Merge streams with the same label set (a request may repeat one).
    const accepted = new Map<string, { labels: Labels; entries: Entry[] }>();
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
        errors.push({ ...streamError, field: `${field}.labels` });
        drop(streamError.reason, s.entries.length);
        return;
      }
      if (s.entries.length === 0) return;
      const existing = this.storage.findStream(tenant, labels);
      let maxTs = existing?.maxTs ?? 0n;
      let behind = maxTs - window;
      const slot = accepted.get(key) ?? { labels, entries: [] };
      for (const [j, e] of s.entries.entries()) {
        const efield = `${field}.values[${j}]`;
        const size = Buffer.byteLength(e.line);
        if (limits.max_line_size > 0 && size > limits.max_line_size) {
          errors.push({
            code: 'LINE_TOO_LONG',
            field: efield,
            message: `Max entry size '${limits.max_line_size}' bytes exceeded for stream '${key}' while adding an entry with length '${size}' bytes`,
          });
          drop('line_too_long', 1);
          continue;
        }
        if (e.ts < oldest) {
          errors.push({
            code: 'TIMESTAMP_TOO_OLD',
            field: efield,
            message: `entry for stream '${key}' has timestamp too old: ${iso(e.ts)}, oldest acceptable timestamp is: ${iso(oldest)}`,
          });
          drop('greater_than_max_sample_age', 1);
          continue;
        }
        if (e.ts > newest) {
          errors.push({
            code: 'TIMESTAMP_TOO_NEW',
            field: efield,
            message: `entry for stream '${key}' has timestamp too new: ${iso(e.ts)}`,
          });
          drop('too_far_in_future', 1);
          continue;
        }
        if (maxTs !== 0n && e.ts < behind) {
          errors.push({
            code: 'ENTRY_TOO_FAR_BEHIND',
            field: efield,
            message: `entry too far behind, entry timestamp is: ${iso(e.ts)}, oldest acceptable timestamp is: ${iso(maxTs - window)}`,
          });
          drop('too_far_behind', 1);
          continue;
        }
        const md = e.metadata;
        if (md) {
          const names = Object.keys(md);
          const mdSize = names.reduce((n, k) => n + k.length + md[k]!.length, 0);
          if (names.length > limits.max_structured_metadata_entries_count) {
            errors.push({
              code: 'STRUCTURED_METADATA_TOO_MANY',
              field: efield,
              message: `stream '${key}' has too many structured metadata labels: '${names.length}', limit: '${limits.max_structured_metadata_entries_count}'.`,
            });
            drop('structured_metadata_too_many', 1);
            continue;
          }
          if (mdSize > limits.max_structured_metadata_size) {
            errors.push({
              code: 'STRUCTURED_METADATA_TOO_LARGE',
              field: efield,
              message: `stream '${key}' has structured metadata too large: '${mdSize}' bytes, limit: '${limits.max_structured_metadata_size}' bytes.`,
            });
            drop('structured_metadata_too_large', 1);
            continue;
          }
          const bad = names.find((n) => !validNames.has(n) && !rememberValid(n));
          if (bad !== undefined) {
            errors.push({
              code: 'INVALID_STRUCTURED_METADATA',
              field: efield,
              message: `stream '${key}' has invalid structured metadata name: '${bad}'`,
            });
            drop('invalid_labels', 1);
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
      return {
        status: 429,
        errors: [
          {
            code: 'RATE_LIMITED',
            field: 'streams',
            message: `Ingestion rate limit exceeded for user ${tenant} (limit: ${limit} bytes/sec) while attempting to ingest '${lines}' lines totaling '${bytes}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased`,
          },
        ],
        accepted: 0,
        discarded,
        stored: [],
      };
    }

    // Stream limit: new streams beyond the tenant's limit are refused (429), the rest is stored.
    let streamCount = this.storage.streamCount(tenant);
    let streamLimited = false;
    const batch: Array<{ labels: Labels; entries: Entry[] }> = [];
    for (const [key, slot] of accepted) {
      if (!this.storage.findStream(tenant, slot.labels)) {
        if (limits.max_global_streams_per_user > 0 && streamCount >= limits.max_global_streams_per_user) {
          streamLimited = true;
          errors.push({
            code: 'STREAM_LIMIT',
            field: 'streams',
            message: `Maximum active stream limit exceeded when trying to create stream ${key}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: '${tenant}'`,
          });
          drop('stream_limit', slot.entries.length);
          continue;
        }
        streamCount++;
      }
      batch.push(slot);
    }
    const { inserted } = batch.length > 0 ? this.storage.append(tenant, batch) : { inserted: 0 };
    const status = streamLimited ? 429 : errors.length > 0 ? 400 : 204;
    return { status, errors, accepted: inserted, discarded, stored: batch };
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

function iso(ns: bigint): string {
  const ms = Number(ns / NS_PER_MS);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ns}ns` : d.toISOString();
}
