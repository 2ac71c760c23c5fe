// Log selection: the streams a selection picks, their entries in a time range (from the trace index or a
// scan with the plan's pushdowns), merged in time order, through the pipeline, up to the limit.
import { matchesLabel } from '@opsight/contracts/codecs';
import { formatLabels, type Labels } from '../labels.js';
import type { LogStorage, ScannedEntry, StreamInfo } from '../storage/log-storage.js';
import type { LabelMatcher } from './ast.js';
import type { Selection } from './plan.js';
import { QUERY_SLICE_MS, type QueryContext } from './query-context.js';

export type StreamsResult = Array<{ stream: Labels; values: Array<[string, string]> }>;

/** Streams of the tenant matching stream matchers (a label a stream lacks reads as ""), in [from, to). */
export function matchStreams(
  storage: LogStorage,
  tenant: string,
  matchers: LabelMatcher[],
  from?: bigint,
  to?: bigint,
): StreamInfo[] {
  return storage.streams(tenant).filter((s) => {
    if (from !== undefined && to !== undefined && (s.maxTs < from || s.minTs >= to)) return false;
    return matchers.every((m) => matchesLabel(m, s.labels[m.name]));
  });
}

/** Entries of a selection in [from, to) in time order, before the pipeline. */
export function* selectEntries(
  storage: LogStorage,
  ctx: QueryContext,
  sel: Selection,
  from: bigint,
  to: bigint,
  direction: 'forward' | 'backward',
): Generator<ScannedEntry> {
  if (sel.traceId !== undefined) {
    yield* traceEntries(storage, ctx, sel, sel.traceId, from, to, direction);
    return;
  }
  const its = matchStreams(storage, ctx.tenant, sel.matchers, from, to).map((s) =>
    storage.scanStream(s, {
      from,
      to,
      direction,
      contains: sel.contains,
      fieldBounds: sel.fieldBounds,
      stats: ctx.scan,
    }),
  );
  if (its.length === 1) {
    yield* its[0]!;
    return;
  }
  yield* mergeByTime(its, direction);
}

function traceEntries(
  storage: LogStorage,
  ctx: QueryContext,
  sel: Selection,
  traceId: string,
  from: bigint,
  to: bigint,
  direction: 'forward' | 'backward',
): ScannedEntry[] {
  const allowed = new Set(matchStreams(storage, ctx.tenant, sel.matchers).map((s) => s.id));
  const hits = storage
    .byTraceId(ctx.tenant, traceId, from, to, ctx.scan)
    .filter((e) => allowed.has(e.stream.id))
    .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  if (direction === 'backward') hits.reverse();
  return hits;
}

/** Where a range read starts: a small window, grown or shrunk to take about a slice. */
const FIRST_WINDOW_NS = 300_000_000_000n;

/**
 * Calls `fn` for every entry of a selection in [from, to), stream by stream (not in global time order):
 * the read of metric queries, which order samples per series themselves. A stream is read in windows of
 * time sized to take about {@link QUERY_SLICE_MS} each, letting the event loop turn between them (a sealed
 * block across a window's edge is decoded once: the storage keeps the last block it decoded).
 */
export async function forEachSelected(
  storage: LogStorage,
  ctx: QueryContext,
  sel: Selection,
  from: bigint,
  to: bigint,
  fn: (stream: StreamInfo, ts: bigint, line: string, metaRaw: string | null, metadata?: Labels) => void,
): Promise<void> {
  if (sel.traceId !== undefined) {
    for (const e of traceEntries(storage, ctx, sel, sel.traceId, from, to, 'forward')) {
      fn(e.stream, e.ts, e.line, null, e.metadata ?? {});
      if ((ctx.lines & 1023) === 0) await ctx.checkpoint();
    }
    return;
  }
  const opts = { contains: sel.contains, fieldBounds: sel.fieldBounds, stats: ctx.scan };
  // The window carries over from stream to stream, and from split to split.
  let window = ctx.readWindow > 0n ? ctx.readWindow : FIRST_WINDOW_NS;
  for (const stream of matchStreams(storage, ctx.tenant, sel.matchers, from, to)) {
    await ctx.checkpoint();
    const each = (ts: bigint, line: string, meta: string | null) => fn(stream, ts, line, meta);
    // Windows start at the stream's oldest entry and end with the rest of the range once past its newest
    // (entries pushed meanwhile are read all the same).
    let at = from;
    while (at < to) {
      let next = at;
      if (stream.minTs > next) next = stream.minTs;
      next += window;
      if (next > stream.maxTs || next > to) next = to;
      const started = performance.now();
      storage.forEachInRange(stream, { from: at, to: next, ...opts }, each);
      const took = performance.now() - started;
      at = next;
      // Aim the next window at a slice, at most 4 times larger or smaller at a time.
      const scale = Math.min(4, Math.max(0.25, QUERY_SLICE_MS / Math.max(took, 0.5)));
      window = BigInt(Math.max(1_000_000, Math.round(Number(window) * scale)));
      ctx.readWindow = window;
      await ctx.checkpoint();
    }
  }
}

/** A log query: the selection's entries through its pipeline, up to `limit`, grouped by output labels. */
export async function selectLogs(
  storage: LogStorage,
  ctx: QueryContext,
  sel: Selection,
  range: { from: bigint; to: bigint; limit: number; direction: 'forward' | 'backward' },
): Promise<StreamsResult> {
  const out = new Map<string, { stream: Labels; values: Array<[string, string]> }>();
  let n = 0;
  if (range.limit <= 0) return [];
  for (const e of selectEntries(storage, ctx, sel, range.from, range.to, range.direction)) {
    ctx.lines++;
    ctx.bytes += e.line.length;
    if ((ctx.lines & 1023) === 0) await ctx.checkpoint();
    const r = sel.run({ ts: e.ts, line: e.line, streamLabels: e.stream.labels, metadata: e.metadata });
    if (!r) continue;
    ctx.postFilterLines++;
    const key = formatLabels(r.labels);
    let s = out.get(key);
    if (!s) {
      s = { stream: r.labels, values: [] };
      out.set(key, s);
    }
    s.values.push([e.ts.toString(), r.line]);
    if (++n >= range.limit) break;
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** k-way merge of per-stream iterators by timestamp. */
function* mergeByTime(
  its: Array<Iterator<ScannedEntry>>,
  direction: 'forward' | 'backward',
): Generator<ScannedEntry> {
  const before = direction === 'forward' ? (a: bigint, b: bigint) => a < b : (a: bigint, b: bigint) => a > b;
  const heap: Array<{ e: ScannedEntry; it: Iterator<ScannedEntry> }> = [];
  const less = (i: number, j: number) => before(heap[i]!.e.ts, heap[j]!.e.ts);
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) break;
      swap(i, p);
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (const it of its) {
    const n = it.next();
    if (!n.done) {
      heap.push({ e: n.value, it });
      up(heap.length - 1);
    }
  }
  try {
    while (heap.length > 0) {
      const top = heap[0]!;
      yield top.e;
      const n = top.it.next();
      if (n.done) {
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          down(0);
        }
      } else {
        top.e = n.value;
        down(0);
      }
    }
  } finally {
    for (const h of heap) h.it.return?.(undefined);
  }
}
