// A raw OTLP protobuf generator: writes ExportTraceServiceRequest bytes directly with protobufjs's Writer,
// so that load generation costs little next to the store it measures. Traces look like the platform's:
// gateway → api-service → model-router → model-serving, with database spans, status codes and model names.
import { randomBytes } from 'node:crypto';
import protobuf from 'protobufjs';

export interface GeneratedSpan {
  spanId: Buffer;
  parentSpanId: Buffer | null;
  service: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  httpStatus: number;
  model: string;
  error: boolean;
}

export interface GeneratedTrace {
  traceId: Buffer;
  spans: GeneratedSpan[];
}

const hops = [
  { service: 'gateway', name: 'POST /v1/chat/completions', kind: 2 },
  { service: 'api-service', name: 'POST /v1/chat/completions', kind: 2 },
  { service: 'postgres', name: 'SELECT api_keys', kind: 3 },
  { service: 'api-service', name: 'redis GET', kind: 3 },
  { service: 'api-service', name: 'opsight.router.v1.Router/Route', kind: 3 },
  { service: 'model-router', name: 'opsight.router.v1.Router/Route', kind: 2 },
  { service: 'model-router', name: 'POST /v1/completions', kind: 3 },
  { service: 'model-serving', name: 'POST /v1/completions', kind: 2 },
  { service: 'model-serving', name: 'inference', kind: 1 },
  { service: 'api-service', name: 'INSERT usage', kind: 3 },
];
const models = ['sim-small', 'sim-large', 'sim-code'];

/**
 * A trace starting at `startNs` (plus up to a second of jitter), lasting 5 ms to 3 s. Callers advance
 * `startNs` as a real system's clock advances, so spans arrive roughly in time order, as they do in practice.
 */
export function generateTrace(startNs: bigint, spanCount: number): GeneratedTrace {
  const traceId = randomBytes(16);
  traceId[0] = traceId[0]! | 1;
  const start = startNs + BigInt(Math.floor(Math.random() * 1e9));
  const total = BigInt(Math.floor(5e6 + Math.random() ** 3 * 3e9));
  const error = Math.random() < 0.02;
  const model = models[Math.floor(Math.random() * models.length)]!;
  const spans: GeneratedSpan[] = [];
  let parent: Buffer | null = null;
  for (let i = 0; i < spanCount; i++) {
    const hop = hops[i % hops.length]!;
    const spanId = randomBytes(8);
    spanId[0] = spanId[0]! | 1;
    const offset = (total * BigInt(i)) / BigInt(spanCount * 4);
    spans.push({
      spanId,
      parentSpanId: parent,
      service: hop.service,
      name: hop.name,
      kind: hop.kind,
      startNs: start + offset,
      endNs: start + total - offset,
      httpStatus: error ? 503 : 200,
      model,
      error: error && i === spanCount - 1,
    });
    if (i < 2 || i === 5) parent = spanId;
  }
  return { traceId, spans };
}

function keyValue(w: protobuf.Writer, field: number, key: string, value: string | number): void {
  w.uint32((field << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(key);
  w.uint32((2 << 3) | 2).fork();
  if (typeof value === 'string') w.uint32((1 << 3) | 2).string(value);
  else w.uint32((3 << 3) | 0).int64(value);
  w.ldelim();
  w.ldelim();
}

function fixed64(w: protobuf.Writer, field: number, value: bigint): void {
  w.uint32((field << 3) | 1).fixed64(protobuf.util.LongBits.from(value.toString()).toLong(true));
}

/** Encodes the traces as one request, one ResourceSpans per service. */
export function encodeRequest(traces: GeneratedTrace[]): Uint8Array {
  const byService = new Map<string, { traceId: Buffer; span: GeneratedSpan }[]>();
  for (const t of traces) {
    for (const span of t.spans) {
      let list = byService.get(span.service);
      if (!list) {
        list = [];
        byService.set(span.service, list);
      }
      list.push({ traceId: t.traceId, span });
    }
  }
  const w = protobuf.Writer.create();
  for (const [service, spans] of byService) {
    w.uint32((1 << 3) | 2).fork(); // ResourceSpans
    w.uint32((1 << 3) | 2).fork(); // Resource
    keyValue(w, 1, 'service.name', service);
    keyValue(w, 1, 'host.name', 'bench-host');
    w.ldelim();
    w.uint32((2 << 3) | 2).fork(); // ScopeSpans
    w.uint32((1 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).string('bench');
    w.ldelim();
    for (const { traceId, span } of spans) {
      w.uint32((2 << 3) | 2).fork(); // Span
      w.uint32((1 << 3) | 2).bytes(traceId);
      w.uint32((2 << 3) | 2).bytes(span.spanId);
      if (span.parentSpanId) w.uint32((4 << 3) | 2).bytes(span.parentSpanId);
      w.uint32((5 << 3) | 2).string(span.name);
      w.uint32((6 << 3) | 0).int32(span.kind);
      fixed64(w, 7, span.startNs);
      fixed64(w, 8, span.endNs);
      keyValue(w, 9, 'http.response.status_code', span.httpStatus);
      keyValue(w, 9, 'gen_ai.request.model', span.model);
      keyValue(w, 9, 'request_id', span.spanId.toString('hex'));
      if (span.error) {
        w.uint32((15 << 3) | 2).fork();
        w.uint32((3 << 3) | 0).int32(2);
        w.ldelim();
      }
      w.ldelim();
    }
    w.ldelim();
    w.ldelim();
  }
  return w.finish();
}
