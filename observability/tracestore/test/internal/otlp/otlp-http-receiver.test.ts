import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { otlpTypes } from '../../../src/internal/otlp/otlp-schema.js';
import { TraceStoreServer } from '../../../src/internal/trace-store-server.js';
import { hexId, otlpJsonRequest, otlpProtobufRequest } from '../../support/otlp-request.js';

async function start(t: { after: (fn: () => Promise<void>) => void }, extra = {}) {
  const server = await TraceStoreServer.start({
    dataDir: ':memory:',
    otlpHttp: '127.0.0.1:0',
    otlpGrpc: null,
    query: null,
    ...extra,
  });
  t.after(() => server.close());
  const post = async (body: Uint8Array | string, type: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': type, ...headers },
      body,
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  };
  const postJson = async (body: unknown, headers: Record<string, string> = {}) => {
    const r = await post(typeof body === 'string' ? body : JSON.stringify(body), 'application/json', headers);
    return { status: r.status, body: JSON.parse(r.bytes.toString()) as Record<string, unknown> };
  };
  return { server, post, postJson };
}

describe('OTLP/HTTP receiver', () => {
  it('accepts protobuf, JSON and gzip bodies with an empty success response', async (t) => {
    const { server, post, postJson } = await start(t);
    const proto = await post(otlpProtobufRequest([{}, {}]), 'application/x-protobuf');
    assert.equal(proto.status, 200);
    assert.equal(proto.type, 'application/x-protobuf');
    assert.deepEqual(otlpTypes.response.toObject(otlpTypes.response.decode(proto.bytes)), {});
    const zipped = await post(gzipSync(otlpProtobufRequest([{}])), 'application/x-protobuf', {
      'content-encoding': 'gzip',
    });
    assert.equal(zipped.status, 200);
    const json = await postJson(otlpJsonRequest([{}]));
    assert.deepEqual(json, { status: 200, body: {} });
    assert.equal(server.store.spanCount(), 4);
  });

  it('answers invalid protobuf with 400 and a google.rpc.Status naming the problem, storing nothing', async (t) => {
    const { server, post } = await start(t);
    const r = await post(Buffer.from([0x0a, 0xff, 0x01, 0x02]), 'application/x-protobuf');
    assert.equal(r.status, 400);
    const status = otlpTypes.rpcStatus.decode(r.bytes) as unknown as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /^OTLP_INVALID_PROTOBUF: invalid protobuf at resourceSpans/);
    assert.equal(server.store.spanCount(), 0);
  });

  it('answers invalid JSON with 400, a stable code and the field', async (t) => {
    const { postJson } = await start(t);
    const broken = await postJson('{"resourceSpans": [');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error, 'OTLP_INVALID_JSON');
    const badHex = await postJson({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'zz' }] }] }] });
    assert.equal(badHex.status, 400);
    assert.equal(badHex.body.field, 'resourceSpans[0].scopeSpans[0].spans[0].traceId');
    const notArray = await postJson({ resourceSpans: 5 });
    assert.equal(notArray.status, 400);
    assert.equal(notArray.body.error, 'OTLP_INVALID_JSON');
  });

  const invalidSpans: [string, Record<string, unknown>, RegExp][] = [
    ['a trace id of the wrong length', { traceId: '0102' }, /traceId must be 16 bytes, got 2/],
    ['an all-zero trace id', { traceId: '0'.repeat(32) }, /traceId must not be all zeros/],
    ['a span id of the wrong length', { spanId: '01'.repeat(9) }, /spanId must be 8 bytes, got 9/],
    ['an all-zero span id', { spanId: '0'.repeat(16) }, /spanId must not be all zeros/],
    [
      'an end before the start',
      { endTimeUnixNano: '1795000000000000000', startTimeUnixNano: '1795000000000000001' },
      /endTimeUnixNano is before/,
    ],
    ['an unknown span kind', { kind: 9 }, /unknown span kind 9/],
    ['an unknown status code', { status: { code: 7 } }, /unknown status code 7/],
    [
      '10k attributes',
      { attributes: Array.from({ length: 10_000 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } })) },
      /more than 1024 attributes/,
    ],
    [
      'a 10 MB span',
      { attributes: [{ key: 'blob', value: { stringValue: 'x'.repeat(10 * 1024 * 1024) } }] },
      /over the limit/,
    ],
  ];
  for (const [name, override, reason] of invalidSpans) {
    it(`rejects a span with ${name}: 400 alone, partial success beside a valid span`, async (t) => {
      const { server, postJson } = await start(t);
      const valid = otlpJsonRequest([{}]) as {
        resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
      };
      const good = valid.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
      const bad = { ...good, spanId: hexId(8), ...override };
      const alone = await postJson({
        resourceSpans: [{ ...valid.resourceSpans[0], scopeSpans: [{ spans: [bad] }] }],
      });
      assert.equal(alone.status, 400);
      assert.equal(alone.body.error, 'OTLP_INVALID_SPANS');
      assert.match(String(alone.body.message), reason);
      assert.equal(server.store.spanCount(), 0);
      valid.resourceSpans[0]!.scopeSpans[0]!.spans.push(bad);
      const mixed = await postJson(valid);
      assert.equal(mixed.status, 200);
      const partial = mixed.body.partialSuccess as { rejectedSpans: string; errorMessage: string };
      assert.equal(partial.rejectedSpans, '1');
      assert.match(partial.errorMessage, reason);
      assert.match(partial.errorMessage, /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]/);
      assert.equal(server.store.spanCount(), 1);
    });
  }

  it('accepts snake_case keys, numbers for 64-bit fields and enum names in OTLP/JSON', async (t) => {
    const { server, postJson } = await start(t);
    const body = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'api' } }] },
          scope_spans: [
            {
              spans: [
                {
                  trace_id: hexId(16),
                  span_id: hexId(8),
                  name: 'x',
                  kind: 'SPAN_KIND_CLIENT',
                  start_time_unix_nano: 1_795_000_000_000_000,
                  end_time_unix_nano: '1795000000000001000',
                  status: { code: 'STATUS_CODE_ERROR' },
                },
              ],
            },
          ],
        },
      ],
    };
    assert.deepEqual(await postJson(body), { status: 200, body: {} });
    assert.deepEqual(server.store.operations('api'), [{ name: 'x', kind: 3 }]);
    const span = body.resource_spans[0]!.scope_spans[0]!.spans[0]!;
    span.kind = 'SPAN_KIND_SIDEWAYS';
    const unknown = await postJson(body);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.field, 'resourceSpans[0].scopeSpans[0].spans[0].kind');
  });

  it('reports partial success in protobuf responses too', async (t) => {
    const { post } = await start(t);
    const r = await post(otlpProtobufRequest([{}, { kind: 42 }]), 'application/x-protobuf');
    assert.equal(r.status, 200);
    const body = otlpTypes.response.toObject(otlpTypes.response.decode(r.bytes), { longs: String });
    assert.equal(body.partialSuccess.rejectedSpans, '1');
    assert.match(body.partialSuccess.errorMessage, /unknown span kind 42/);
  });

  it('refuses unknown media types and encodings, bad gzip, oversized bodies and gzip bombs', async (t) => {
    const { server, post } = await start(t, { maxRequestBytes: 64 * 1024 });
    assert.equal((await post('x', 'text/plain')).status, 415);
    const br = await post(otlpProtobufRequest([{}]), 'application/x-protobuf', { 'content-encoding': 'br' });
    assert.equal(br.status, 415);
    const badGzip = await post(Buffer.from('not gzip'), 'application/json', { 'content-encoding': 'gzip' });
    assert.equal(badGzip.status, 400);
    assert.equal(JSON.parse(badGzip.bytes.toString()).error, 'OTLP_INVALID_GZIP');
    const big = await post(Buffer.alloc(128 * 1024, 1), 'application/x-protobuf');
    assert.equal(big.status, 413);
    const bomb = await post(gzipSync(Buffer.alloc(10 * 1024 * 1024)), 'application/json', {
      'content-encoding': 'gzip',
    });
    assert.equal(bomb.status, 413);
    assert.equal(JSON.parse(bomb.bytes.toString()).error, 'PAYLOAD_TOO_LARGE');
    assert.equal(server.store.spanCount(), 0);
  });

  it('requires the bearer token when one is configured', async (t) => {
    const { server, postJson } = await start(t, { bearerToken: 's3cret' });
    const missing = await postJson(otlpJsonRequest([{}]));
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error, 'UNAUTHORIZED');
    assert.equal((await postJson(otlpJsonRequest([{}]), { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await postJson(otlpJsonRequest([{}]), { authorization: 'Bearer s3cret' })).status, 200);
    assert.equal(server.store.spanCount(), 1);
  });

  it('stores a retried request once', async (t) => {
    const { server, post } = await start(t);
    const body = otlpProtobufRequest([{}, {}]);
    assert.equal((await post(body, 'application/x-protobuf')).status, 200);
    assert.equal((await post(body, 'application/x-protobuf')).status, 200);
    assert.equal(server.store.spanCount(), 2);
  });
});
