// Builds OTLP export requests for tests: spans as plain objects, encoded with the receiver's own schema.
import { randomBytes } from 'node:crypto';
import { otlpTypes } from '../../src/internal/otlp/otlp-schema.js';

export interface TestSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startNs?: bigint;
  endNs?: bigint;
  attributes?: Record<string, string | number | boolean>;
  statusCode?: number;
  service?: string;
}

/** A random, non-zero id of `bytes` bytes, in hex. */
export function hexId(bytes: number): string {
  const id = randomBytes(bytes);
  id[0] = id[0]! | 1;
  return id.toString('hex');
}

function attribute(key: string, value: string | number | boolean) {
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return Number.isInteger(value)
    ? { key, value: { intValue: value } }
    : { key, value: { doubleValue: value } };
}

/** The request as an OTLP/JSON object (hex ids, string nanoseconds), one resource per service. */
export function otlpJsonRequest(spans: TestSpan[]): Record<string, unknown> {
  const byService = new Map<string, TestSpan[]>();
  for (const s of spans) {
    const list = byService.get(s.service ?? 'svc') ?? [];
    list.push(s);
    byService.set(s.service ?? 'svc', list);
  }
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [attribute('service.name', service)] },
      scopeSpans: [
        {
          scope: { name: 'test-scope', version: '1.0.0' },
          spans: list.map((s) => {
            const start = s.startNs ?? 1_795_000_000_000_000_000n;
            return {
              traceId: s.traceId ?? hexId(16),
              spanId: s.spanId ?? hexId(8),
              parentSpanId: s.parentSpanId ?? '',
              name: s.name ?? 'op',
              kind: s.kind ?? 2,
              startTimeUnixNano: String(start),
              endTimeUnixNano: String(s.endNs ?? start + 1_000_000n),
              attributes: Object.entries(s.attributes ?? {}).map(([k, v]) => attribute(k, v)),
              status: { code: s.statusCode ?? 0 },
            };
          }),
        },
      ],
    })),
  };
}

/** The same request encoded as protobuf. */
export function otlpProtobufRequest(spans: TestSpan[]): Buffer {
  const json = otlpJsonRequest(spans) as {
    resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
  };
  for (const rs of json.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        for (const key of ['traceId', 'spanId', 'parentSpanId'])
          span[key] = Buffer.from(span[key] as string, 'hex');
      }
    }
  }
  return Buffer.from(otlpTypes.request.encode(otlpTypes.request.fromObject(json)).finish());
}
