// The nginx gateway and its telemetry in the running stack: limits and trace context at the edge, the
// nginx_http_* series in Prometheus, the gateway's span in the trace store. (Answers of the API itself are
// tested where api-service is part of the stack.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually, port, promQuery, varDir } from '../src/env.js';

const GATEWAY = `http://127.0.0.1:${port(8080)}`;
const TRACES = `http://127.0.0.1:${port(16686)}`;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

let oversizedTrace = '';

test('a body over the limit is a JSON 413 from nginx, with the trace context it started', async () => {
  const res = await fetch(`${GATEWAY}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      traceparent: '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01',
    },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] }),
  });
  assert.equal(res.status, 413);
  const m = TRACEPARENT.exec(res.headers.get('traceparent') ?? '');
  assert.ok(m, 'traceparent returned');
  const traceId = m[1]!;
  assert.notEqual(traceId, 'a'.repeat(32), 'an incoming traceparent is not trusted');
  assert.equal(res.headers.get('x-request-id'), `req-${traceId}`);
  const body = (await res.json()) as { error: { code: string; param: string; trace_id: string } };
  assert.equal(body.error.code, 'REQUEST_BODY_TOO_LARGE');
  assert.equal(body.error.param, 'body');
  assert.equal(body.error.trace_id, traceId);
  oversizedTrace = traceId;
});

test('the access log has one JSON line for it', async () => {
  assert.ok(oversizedTrace);
  const line = await eventually('the access-log line', async () =>
    readFileSync(join(varDir, 'log', 'nginx', 'access.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.trace_id === oversizedTrace),
  );
  assert.equal(line.status, 413);
  assert.equal(line.span_id, oversizedTrace.slice(0, 16));
  assert.equal(line.incoming_traceparent, '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01');
});

test('gateway-telemetry: the request is counted in Prometheus and its span is the root in the trace store', async () => {
  assert.ok(oversizedTrace);
  await eventually('nginx_http_requests_total{status="413"} in Prometheus', async () => {
    const r = await promQuery('sum(nginx_http_requests_total{status="413"})');
    return r.length === 1 && Number(r[0]!.value[1]) >= 1;
  });
  for (const name of [
    'nginx_http_request_duration_seconds_count',
    'nginx_http_request_size_bytes',
    'nginx_http_response_size_bytes',
  ]) {
    const r = await promQuery(`sum(${name})`);
    assert.ok(r.length === 1 && Number(r[0]!.value[1]) > 0, name);
  }
  const span = await eventually('the gateway span', async () => {
    const res = await fetch(`${TRACES}/api/traces/${oversizedTrace}`);
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as {
      data: {
        spans: { spanID: string; references: { refType: string }[]; processID: string }[];
        processes: Record<string, { serviceName: string }>;
      }[];
    };
    const trace = body.data[0]!;
    const s = trace.spans.find((x) => x.spanID === oversizedTrace.slice(0, 16));
    return s && { ...s, service: trace.processes[s.processID]?.serviceName };
  });
  assert.equal(span.service, 'gateway');
  assert.ok(
    span.references.every((r) => r.refType !== 'CHILD_OF'),
    'the gateway span has no parent',
  );
});

test('a path outside /v1 is a JSON 404 from the gateway', async () => {
  const res = await fetch(`${GATEWAY}/admin`);
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  assert.match(res.headers.get('traceparent') ?? '', TRACEPARENT);
});
