// The lines the bench pushes: realistic JSON lines shaped like the services' logs over one hour,
// deterministic (the same on every run and driver), in batches as two collectors send them.
//
// Each collector owns the pods of its node, as one Alloy per node does, and pushes its own batches one
// after the other. So every stream's entries arrive in time order whatever the number of lines, however
// long one push takes: the store's out-of-order window never refuses one. (With both collectors taking the
// next batch from one shared sequence, nothing bounds how far one runs ahead while the other's push is
// slow; once it leads by more than the window, which below ~300,000 lines is a single batch, the later push
// of the older batch is refused ENTRY_TOO_FAR_BEHIND.)
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { encodePushProtobuf, formatLabels } from '@opsight/logstore';

/** Lines per push request. */
export const BATCH_LINES = 5000;

const HOUR_NS = 3_600_000_000_000n;

/** Deterministic pseudo-random numbers (xorshift): every run pushes the same data. */
function random(): () => number {
  let seed = 0x9e3779b9;
  return () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
}

const PODS: Record<string, string[]> = {
  'api-service': ['api-service-7d4f9-a1', 'api-service-7d4f9-b2'],
  'model-router': ['model-router-6c8d7-c3', 'model-router-6c8d7-d4'],
  'model-serving': ['model-serving-0', 'model-serving-1', 'model-serving-2'],
  gateway: ['gateway-5f6b8-e5'],
};
const APPS = Object.keys(PODS);
const PATHS = ['/v1/chat/completions', '/v1/models', '/v1/embeddings'];
const MODELS = ['gpt-4o', 'llama-3-70b', 'qwen-72b', 'mistral-7b'];

/**
 * The node of each pod, so the collector that pushes it: each node carries half the lines (apps are
 * equally likely, pods equally likely within their app).
 */
const NODE_OF_POD: Record<string, 0 | 1> = {
  'gateway-5f6b8-e5': 0,
  'api-service-7d4f9-a1': 0,
  'model-router-6c8d7-c3': 0,
  'api-service-7d4f9-b2': 1,
  'model-router-6c8d7-d4': 1,
  'model-serving-0': 1,
  'model-serving-1': 1,
  'model-serving-2': 1,
};

/** How many collectors push at once (one per node), so how many pushes are in flight. */
export const COLLECTORS = 2;

interface Line {
  labels: Record<string, string>;
  ts: bigint;
  line: string;
  metadata: Record<string, string>;
}

/** Makes the lines, in time order: line `i` is the same on every run. */
function lineMaker(): (i: number, ts: bigint) => Line {
  const rnd = random();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const level = (): string => {
    const r = rnd();
    return r < 0.01 ? 'DEBUG' : r < 0.91 ? 'INFO' : r < 0.96 ? 'WARN' : 'ERROR';
  };
  return (i, ts) => {
    const app = pick(APPS);
    const lvl = level();
    const pod = pick(PODS[app]!);
    const trace = hex(32);
    const md = {
      trace_id: trace,
      request_id: `req-${hex(12)}`,
      user_id: `user-${Math.floor(rnd() * 5000)}`,
    };
    const base = {
      timestamp: new Date(Number(ts / 1_000_000n)).toISOString(),
      level: lvl,
      service: app,
      message: '',
      trace_id: trace,
      span_id: hex(16),
      request_id: md.request_id,
      user_id: md.user_id,
    };
    let body: Record<string, unknown>;
    const needle = i % 1000 === 7;
    switch (app) {
      case 'api-service':
        body = {
          ...base,
          message: needle
            ? 'needle request completed'
            : lvl === 'ERROR'
              ? 'upstream error'
              : 'request completed',
          path: pick(PATHS),
          status: lvl === 'ERROR' ? 502 : 200,
          latency_ms: Math.round(20 + rnd() * 2000),
          model_name: pick(MODELS),
        };
        break;
      case 'model-router':
        body = {
          ...base,
          message: needle ? 'needle routed' : lvl === 'ERROR' ? 'no healthy backend' : 'routed request',
          model_name: pick(MODELS),
          backend: `model-serving-${Math.floor(rnd() * 3)}`,
          retries: lvl === 'ERROR' ? 2 : 0,
          latency_ms: Math.round(5 + rnd() * 100),
        };
        break;
      case 'model-serving':
        body = {
          ...base,
          message: needle ? 'needle inference done' : 'inference done',
          model_name: pick(MODELS),
          prompt_tokens: Math.floor(rnd() * 2000),
          output_tokens: Math.floor(rnd() * 800),
          latency_ms: Math.round(100 + rnd() * 5000),
        };
        break;
      default:
        body = {
          ...base,
          message: needle ? 'needle access' : 'access',
          path: pick(PATHS),
          status: lvl === 'ERROR' ? 504 : 200,
          request_time: Number((rnd() * 3).toFixed(3)),
          bytes_sent: Math.floor(rnd() * 50_000),
        };
    }
    return {
      labels: { namespace: 'prod', app, container: app, pod, level: lvl },
      ts,
      line: JSON.stringify(body),
      metadata: md,
    };
  };
}

/** The lines to push, made once: every run pushes the same batches. */
export interface Workload {
  /** Lines in all. */
  lines: number;
  /** Each collector's push bodies (snappy protobuf), in the order it sends them. */
  pushes: Buffer[][];
  /** Every line, one a line, in time order: what grep reads. */
  rawFile: string;
  /** Bytes of the lines (without newlines). */
  rawBytes: number;
  /** The trace_id of the line in the middle. */
  aTrace: string;
  /** The hour the lines cover: `start` ≤ ts < `end`, in ns. */
  start: bigint;
  end: bigint;
}

type Batch = Map<string, { labels: string; entries: Array<Omit<Line, 'labels'>> }>;

/** Makes `total` lines over the hour ending now, writing them to `dir`/lines.log as well. */
export function generateWorkload(dir: string, total: number): Promise<Workload> {
  const make = lineMaker();
  const end = BigInt(Date.now()) * 1_000_000n;
  const start = end - HOUR_NS;
  const stepNs = HOUR_NS / BigInt(total);
  const rawFile = join(dir, 'lines.log');
  const out = createWriteStream(rawFile);
  const pushes: Buffer[][] = Array.from({ length: COLLECTORS }, () => []);
  const batches: Batch[] = Array.from({ length: COLLECTORS }, () => new Map());
  const counts = new Array<number>(COLLECTORS).fill(0);
  const send = (c: number) => {
    pushes[c]!.push(encodePushProtobuf([...batches[c]!.values()]));
    batches[c] = new Map();
    counts[c] = 0;
  };
  let rawBytes = 0;
  let aTrace = '';
  let text = '';
  for (let i = 0; i < total; i++) {
    const g = make(i, start + BigInt(i) * stepNs);
    if (i === Math.floor(total / 2)) aTrace = g.metadata.trace_id!;
    const c = NODE_OF_POD[g.labels.pod!]!;
    const key = formatLabels(g.labels);
    const batch = batches[c]!;
    let s = batch.get(key);
    if (!s) {
      s = { labels: key, entries: [] };
      batch.set(key, s);
    }
    s.entries.push({ ts: g.ts, line: g.line, metadata: g.metadata });
    if (++counts[c]! === BATCH_LINES) send(c);
    text += `${g.line}\n`;
    rawBytes += Buffer.byteLength(g.line);
    if (text.length > 1 << 20) {
      out.write(text);
      text = '';
    }
  }
  for (let c = 0; c < COLLECTORS; c++) if (counts[c]! > 0) send(c);
  out.write(text);
  return new Promise((resolve) =>
    out.end(() => resolve({ lines: total, pushes, rawFile, rawBytes, aTrace, start, end })),
  );
}
