// The filters kept beside each sealed block, so that a reader rules blocks out without decompressing
// them:
// - a bloom filter of the block's `trace_id` metadata values ({trace_id="…"} lookups);
// - a bloom filter of the byte trigrams of its lines (`|=` needles): a block is ruled out when some
//   trigram of a needle is absent. Trigrams made only of hex digits (ids, hashes, numbers) are left
//   out: in service logs they are most of a block's distinct trigrams (4,096 of ~5,800 in 830 JSON
//   lines) and would triple the filter, while needles of words still have other trigrams;
// - the min/max of the top-level numeric fields of JSON lines (FieldBound pushdown).
// All three are hints: a block they do not rule out is decoded and filtered as always.
import type { FieldBound } from './scan-stats.js';

/**
 * Bits per trace id: with 11 probes, about 0.05% false positives. A lookup over 1,000,000 lines tests
 * about 300 blocks' filters, and a false positive costs a block decoded for nothing (~0.7 ms): at 12
 * bits (0.3%) one lookup in two decoded an extra block or more.
 */
const TRACE_BITS_PER_KEY = 16;
const TRACE_PROBES = 11;
/**
 * Bits per distinct trigram, with 2 probes: a trigram is a false positive about 15% of the time,
 * and a needle of n bytes passes only when all its n-2 trigrams do (about 0.05% for 6 bytes).
 */
const TEXT_BITS_PER_TRIGRAM = 4;
const TEXT_PROBES = 2;
/** The text filter is at most this share of the block's line bytes (then with more false positives). */
const TEXT_MAX_SHARE = 1 / 32;
/** Most numeric fields whose min/max a block records (the first seen). */
export const MAX_FIELDS_PER_BLOCK = 32;

/** Per field name: [min, max] over the entries that have it, or null when one of them is not a number. */
export type FieldRanges = Record<string, [number, number] | null>;

export interface BlockFilters {
  traceBloom: Buffer | null;
  textBloom: Buffer | null;
  /** JSON text of {@link FieldRanges}, or null when they would not hold for `| json` (see fieldRanges). */
  fields: string | null;
}

/** Two independent 32-bit hashes of a string (FNV-1a variants). */
function hash2(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, (b >>> 0) | 1];
}

function trigramHashes(t: number): [number, number] {
  const a = Math.imul(t, 0x9e3779b1) >>> 0;
  let b = Math.imul(t ^ (t >>> 13), 0x85ebca6b);
  b ^= b >>> 16;
  return [a, (b >>> 0) | 1];
}

function setBits(bloom: Buffer, h1: number, h2: number, probes: number): void {
  const m = bloom.length * 8;
  for (let i = 0; i < probes; i++) {
    const bit = (h1 + Math.imul(i, h2)) >>> 0;
    const at = bit % m;
    bloom[at >>> 3]! |= 1 << (at & 7);
  }
}

function hasBits(bloom: Uint8Array, h1: number, h2: number, probes: number): boolean {
  const m = bloom.length * 8;
  for (let i = 0; i < probes; i++) {
    const at = ((h1 + Math.imul(i, h2)) >>> 0) % m;
    if ((bloom[at >>> 3]! & (1 << (at & 7))) === 0) return false;
  }
  return true;
}

/** True for the bytes of hex digits (0-9, a-f, A-F). */
function isHexByte(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Trigrams of `bytes` that the text filter indexes, as 24-bit numbers. */
function forEachTrigram(bytes: Buffer, from: number, to: number, fn: (t: number) => void): void {
  if (to - from < 3) return;
  let h0 = isHexByte(bytes[from]!);
  let h1 = isHexByte(bytes[from + 1]!);
  let t = (bytes[from]! << 8) | bytes[from + 1]!;
  for (let i = from + 2; i < to; i++) {
    const c = bytes[i]!;
    const h2 = isHexByte(c);
    t = ((t << 8) | c) & 0xffffff;
    if (!(h0 && h1 && h2)) fn(t);
    h0 = h1;
    h1 = h2;
  }
}

/** Marks of the trigrams seen in the block being built (2^24 bits), cleared after each block. */
let seen: Uint8Array | undefined;

/** The text filter of lines held contiguously in `bytes`, each [starts[i], starts[i + 1]). */
function textBloom(bytes: Buffer, starts: ArrayLike<number>, count: number): Buffer | null {
  seen ??= new Uint8Array(1 << 21);
  const marks = seen;
  const distinct: number[] = [];
  for (let l = 0; l < count; l++) {
    // forEachTrigram, inlined: this loop runs over every byte sealed.
    const from = starts[l]!;
    const to = starts[l + 1]!;
    if (to - from < 3) continue;
    let h0 = isHexByte(bytes[from]!);
    let h1 = isHexByte(bytes[from + 1]!);
    let t = (bytes[from]! << 8) | bytes[from + 1]!;
    for (let i = from + 2; i < to; i++) {
      const c = bytes[i]!;
      const h2 = isHexByte(c);
      t = ((t << 8) | c) & 0xffffff;
      if (!(h0 && h1 && h2)) {
        const bit = 1 << (t & 7);
        const at = t >>> 3;
        if ((marks[at]! & bit) === 0) {
          marks[at]! |= bit;
          distinct.push(t);
        }
      }
      h0 = h1;
      h1 = h2;
    }
  }
  for (const t of distinct) marks[t >>> 3] = 0;
  if (distinct.length === 0) return null;
  const lineBytes = starts[count]! - starts[0]!;
  const size = Math.max(
    8,
    Math.min(Math.ceil((distinct.length * TEXT_BITS_PER_TRIGRAM) / 8), Math.ceil(lineBytes * TEXT_MAX_SHARE)),
  );
  const bloom = Buffer.alloc(size);
  for (const t of distinct) {
    const [a, b] = trigramHashes(t);
    setBits(bloom, a, b, TEXT_PROBES);
  }
  return bloom;
}

function traceBloom(traceIds: string[]): Buffer | null {
  if (traceIds.length === 0) return null;
  const bloom = Buffer.alloc(Math.max(8, Math.ceil((traceIds.length * TRACE_BITS_PER_KEY) / 8)));
  for (const id of traceIds) {
    const [a, b] = hash2(id);
    setBits(bloom, a, b, TRACE_PROBES);
  }
  return bloom;
}

/**
 * Visits the top-level fields of a JSON object line (the value when it is a number, else undefined),
 * without building the object. Returns false when it cannot read the line (then JSON.parse decides).
 * It never visits fewer fields than JSON.parse would produce: it may read a line JSON.parse refuses
 * (a wider range is still a correct hint), and a repeated name is visited with each value.
 */
export function scanTopLevelFields(
  line: string,
  visit: (name: string, value: number | undefined, nested?: boolean) => void,
): boolean {
  const n = line.length;
  let i = 0;
  const blanks = () => {
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      i++;
    }
  };
  /** From an opening quote at i, moves past the closing one; false when there is none. */
  const string = (): boolean => {
    let j = i + 1;
    for (;;) {
      const q = line.indexOf('"', j);
      if (q < 0) return false;
      let k = q - 1;
      while (line.charCodeAt(k) === 92 /* \\ */) k--;
      if ((q - 1 - k) % 2 === 0) {
        i = q + 1;
        return true;
      }
      j = q + 1;
    }
  };
  blanks();
  if (line.charCodeAt(i) !== 123 /* { */) return false;
  i++;
  blanks();
  if (line.charCodeAt(i) === 125 /* } */) return true;
  for (;;) {
    if (line.charCodeAt(i) !== 34) return false;
    const nameAt = i + 1;
    if (!string()) return false;
    const name = line.slice(nameAt, i - 1);
    if (name.includes('\\')) return false;
    blanks();
    if (line.charCodeAt(i) !== 58 /* : */) return false;
    i++;
    blanks();
    const c = line.charCodeAt(i);
    if (c === 34) {
      if (!string()) return false;
      visit(name, undefined);
    } else if (c === 123 || c === 91) {
      // A nested object or array: skip it, strings included.
      let depth = 0;
      for (;;) {
        const d = line.charCodeAt(i);
        if (Number.isNaN(d)) return false;
        if (d === 34) {
          if (!string()) return false;
          continue;
        }
        if (d === 123 || d === 91) depth++;
        else if (d === 125 || d === 93) depth--;
        i++;
        if (depth === 0) break;
      }
      visit(name, undefined, true);
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const from = i;
      while (i < n) {
        const d = line.charCodeAt(i);
        if (!((d >= 48 && d <= 57) || d === 45 || d === 43 || d === 46 || d === 101 || d === 69)) break;
        i++;
      }
      const v = Number(line.slice(from, i));
      if (Number.isNaN(v)) return false;
      visit(name, v);
    } else if (line.startsWith('true', i) || line.startsWith('null', i)) {
      i += 4;
      visit(name, undefined);
    } else if (line.startsWith('false', i)) {
      i += 5;
      visit(name, undefined);
    } else return false;
    blanks();
    const sep = line.charCodeAt(i);
    i++;
    if (sep === 125 /* } */) {
      blanks();
      return i >= n;
    }
    if (sep !== 44 /* , */) return false;
    blanks();
  }
}

/** A name `| json` keeps as it is (any other is sanitized into another label name). */
const PLAIN_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The min/max of the block's top-level numeric JSON fields, or null (nothing recorded, no block skipped)
 * when a bound could hold for a line whatever the ranges say: `| json` fails on a line that is not a JSON
 * object (an entry with an error passes a numeric label filter), and it renames nested fields
 * (`a_b`) and names that are not plain label names, which the ranges do not record.
 */
function fieldRanges(lines: string[]): string | null {
  // No prototype: a field may be called `__proto__`.
  const ranges = Object.create(null) as FieldRanges;
  let count = 0;
  let open = false;
  const visit = (k: string, v: unknown, nested = false) => {
    if (nested || !PLAIN_LABEL_NAME.test(k)) {
      open = true;
      return;
    }
    const r = ranges[k];
    if (r === undefined) {
      if (count >= MAX_FIELDS_PER_BLOCK) return;
      count++;
      ranges[k] = typeof v === 'number' ? [v, v] : null;
    } else if (r !== null) {
      if (typeof v !== 'number') ranges[k] = null;
      else if (v < r[0]) r[0] = v;
      else if (v > r[1]) r[1] = v;
    }
  };
  for (const line of lines) {
    if (open) return null;
    if (scanTopLevelFields(line, visit)) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return null;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return null;
    const o = obj as Record<string, unknown>;
    for (const k in o) visit(k, o[k], typeof o[k] === 'object' && o[k] !== null);
  }
  return open ? null : JSON.stringify(ranges);
}

/**
 * The filters of a block: `lineBytes` holds its lines contiguously (line i is
 * [starts[i], starts[i + 1])), `traceIds` the trace_id metadata values of its entries.
 */
export function buildBlockFilters(
  lines: string[],
  lineBytes: Buffer,
  starts: ArrayLike<number>,
  traceIds: string[],
): BlockFilters {
  return {
    traceBloom: traceBloom(traceIds),
    textBloom: textBloom(lineBytes, starts, lines.length),
    fields: fieldRanges(lines),
  };
}

/** False when the block surely holds no entry with this trace id. */
export function mayHoldTrace(bloom: Uint8Array | null, traceId: string): boolean {
  if (bloom === null) return false;
  const [a, b] = hash2(traceId);
  return hasBits(bloom, a, b, TRACE_PROBES);
}

/** False when some line of every needle's trigrams is absent from the block: no line contains it. */
export function mayContain(bloom: Uint8Array | null, needles: string[]): boolean {
  if (bloom === null) return needles.every((n) => n.length === 0);
  for (const needle of needles) {
    const bytes = Buffer.from(needle, 'utf8');
    let absent = false;
    forEachTrigram(bytes, 0, bytes.length, (t) => {
      if (absent) return;
      const [a, b] = trigramHashes(t);
      if (!hasBits(bloom, a, b, TEXT_PROBES)) absent = true;
    });
    if (absent) return false;
  }
  return true;
}

/** False when no entry of the block can satisfy every bound (by the block's recorded min/max). */
export function maySatisfy(fields: string | null, bounds: FieldBound[]): boolean {
  if (bounds.length === 0) return true;
  if (fields === null) return true; // not recorded
  const ranges = JSON.parse(fields) as FieldRanges;
  for (const b of bounds) {
    if (!Object.hasOwn(ranges, b.field)) {
      // Not recorded: either no JSON line of the block has it (no entry can satisfy the bound), or the
      // block reached its field limit before seeing it (unknown).
      if (Object.keys(ranges).length >= MAX_FIELDS_PER_BLOCK) continue;
      return false;
    }
    const r = ranges[b.field];
    if (r === null || r === undefined) continue;
    const [lo, hi] = r;
    const v = b.value;
    const ok =
      b.op === '>'
        ? hi > v
        : b.op === '>='
          ? hi >= v
          : b.op === '<'
            ? lo < v
            : b.op === '<='
              ? lo <= v
              : lo <= v && v <= hi;
    if (!ok) return false;
  }
  return true;
}
