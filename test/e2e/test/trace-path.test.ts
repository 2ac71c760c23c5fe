import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, opsight, port } from '../src/env.js';

// Strategy section 3 (docs/architecture.md) on the running stack: the gateway starts the trace, every service
// continues it, the spans land in the trace store, and the trace id in any service's log line opens the whole
// trace.

const GATEWAY = `http://127.0.0.1:${port(8080)}`;
const TRACES = `http://127.0.0.1:${port(16686)}`;
const LOGS = `http://127.0.0.1:${port(3100)}/loki/api/v1`;

interface JaegerSpan {
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  processID: string;
}
interface JaegerTrace {
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

test('one request through the gateway is one trace: gateway → api-service → model-router → model-serving', async () => {
  const created = opsight(['keys', 'create', '--user', 'e2e-trace', '--expires-in', '30d']);
  assert.equal(created.status, 0, created.stderr);
  const key = /^(sk-\S+)$/m.exec(created.stdout)?.[1];
  assert.ok(key);

  const res = await fetch(`${GATEWAY}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      // Not trusted at the edge: the gateway starts a new trace.
      traceparent: '00-11111111111111111111111111111111-2222222222222222-01',
    },
    body: JSON.stringify({ model: 'chat-fast', messages: [{ role: 'user', content: 'trace me' }] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  await res.arrayBuffer();
  const traceparent = res.headers.get('traceparent') ?? '';
  const [, traceId] = /^00-([0-9a-f]{32})-[0-9a-f]{16}-0[01]$/.exec(traceparent) ?? [];
  assert.ok(traceId, `traceparent ${traceparent}`);
  assert.notEqual(traceId, '11111111111111111111111111111111');
  assert.match(res.headers.get('x-request-id') ?? '', /^req-/);

  const wanted = ['gateway', 'api-service', 'model-router', 'model-serving'];
  const trace = await eventually(
    'spans from every hop',
    async () => {
      const r = await fetch(`${TRACES}/api/traces/${traceId}`);
      if (r.status !== 200) return undefined;
      const t = ((await r.json()) as { data: JaegerTrace[] }).data[0];
      const services = new Set(t?.spans.map((s) => t.processes[s.processID]?.serviceName));
      return t && wanted.every((w) => services.has(w)) ? t : undefined;
    },
    30_000,
  );
  const service = (s: JaegerSpan) => trace.processes[s.processID]?.serviceName;
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const roots = trace.spans.filter((s) => !s.references.some((r) => r.refType === 'CHILD_OF'));
  assert.deepEqual(roots.map(service), ['gateway'], 'the gateway span is the one root');
  for (const s of trace.spans) {
    for (const r of s.references.filter((x) => x.refType === 'CHILD_OF')) {
      assert.ok(ids.has(r.spanID), `${service(s)} ${s.operationName}: parent ${r.spanID} is missing`);
    }
  }
  // Each hop's server span hangs below the previous hop.
  const parentService = (s: JaegerSpan) => {
    const p = s.references.find((r) => r.refType === 'CHILD_OF');
    let parent = trace.spans.find((x) => x.spanID === p?.spanID);
    // Walk up through the caller's own client spans to the caller's service.
    while (parent && service(parent) === service(s)) {
      const pp = parent.references.find((r) => r.refType === 'CHILD_OF');
      parent = trace.spans.find((x) => x.spanID === pp?.spanID);
    }
    return parent ? service(parent) : undefined;
  };
  for (const [child, parent] of [
    ['api-service', 'gateway'],
    ['model-router', 'api-service'],
    ['model-serving', 'model-router'],
  ] as const) {
    const spans = trace.spans.filter((s) => service(s) === child);
    assert.ok(
      spans.some((s) => parentService(s) === parent),
      `a ${child} span whose caller is ${parent}`,
    );
  }

  // The strategy's `{trace_id="…"}` finds the request's log lines, from more than one service.
  const apps = await eventually(
    'log lines with the trace id',
    async () => {
      const q = encodeURIComponent(`{trace_id="${traceId}"}`);
      const body = (await (await fetch(`${LOGS}/query_range?query=${q}&limit=100`)).json()) as {
        data: { result: { stream: Record<string, string> }[] };
      };
      const found = new Set(body.data.result.map((r) => r.stream.app));
      return found.has('api-service') && found.has('model-router') ? found : undefined;
    },
    30_000,
  );
  assert.ok(apps.has('api-service'));
});
