import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyAdmin } from '../../src/admin/index.js';
import { setUserId } from '../../src/context/request-context.js';
import { fastifyTelemetry } from '../../src/http/fastify-plugin.js';
import { startTestTelemetry, type TestTelemetry } from '../support/telemetry.js';

let t: TestTelemetry;
let app: FastifyInstance;

before(async () => {
  t = startTestTelemetry();
  app = Fastify();
  await app.register(fastifyTelemetry);
  await app.register(fastifyAdmin, { admin: { metrics: t.telemetry.metrics } });
  app.get('/v1/models/:id', async (request) => {
    t.telemetry.logger.info('looking up model');
    setUserId(123);
    t.telemetry.logger.info({ model_name: (request.params as { id: string }).id }, 'found');
    return { id: (request.params as { id: string }).id };
  });
  app.post('/v1/chat/completions', async (request) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    t.telemetry.logger.info({ body_keys: Object.keys(request.body as object) }, 'completion');
    return { ok: true };
  });
  app.get('/boom', async () => {
    throw new Error('exploded');
  });
  // Sends its head and one chunk, then never finishes on its own.
  app.get('/stream', (_request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.write('data: first\n\n');
    const timer = setTimeout(() => reply.raw.end(), 30_000);
    reply.raw.once('close', () => clearTimeout(timer));
    return reply;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await app.close();
  await t.telemetry.shutdown();
});

beforeEach(async () => {
  await t.reset();
});

test('one server span per request, named by route template, with semconv attributes', async () => {
  const response = await app.inject({
    method: 'GET',
    url: '/v1/models/gpt-4o?x=1',
    headers: { 'x-request-id': 'req-1' },
  });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['x-request-id'], 'req-1');
  const spans = await t.finished();
  assert.equal(spans.length, 1);
  const span = spans[0]!;
  assert.equal(span.name, 'GET /v1/models/:id');
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.attributes['http.request.method'], 'GET');
  assert.equal(span.attributes['http.route'], '/v1/models/:id');
  assert.equal(span.attributes['url.path'], '/v1/models/gpt-4o');
  assert.equal(span.attributes['http.response.status_code'], 200);
  assert.equal(span.attributes['opsight.request_id'], 'req-1');
  assert.equal(span.resource.attributes['service.name'], 'test-service');
  assert.equal(span.resource.attributes['service.version'], '1.2.3');
});

test("log lines in the handler carry the active span's trace_id and span_id, the request id and the user", async () => {
  await app.inject({ method: 'GET', url: '/v1/models/m1', headers: { 'x-request-id': 'req-2' } });
  const [span] = await t.finished();
  const [lookup, found] = t.logs.records();
  assert.equal(lookup!.trace_id, span!.spanContext().traceId);
  assert.equal(lookup!.span_id, span!.spanContext().spanId);
  assert.equal(lookup!.request_id, 'req-2');
  assert.equal(lookup!.user_id, undefined);
  assert.equal(found!.user_id, '123');
  assert.equal(found!.model_name, 'm1');
});

test('the context survives body parsing and awaits; a request id is generated when none is sent', async () => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { model: 'x', messages: [] },
  });
  assert.equal(response.statusCode, 200);
  const [span] = await t.finished();
  const [line] = t.logs.records();
  assert.equal(line!.trace_id, span!.spanContext().traceId);
  assert.match(String(line!.request_id), /^[0-9a-f-]{36}$/);
  assert.equal(response.headers['x-request-id'], line!.request_id);
});

test('an incoming traceparent makes the server span its child', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  await app.inject({
    method: 'GET',
    url: '/v1/models/a',
    headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
  });
  const [span] = await t.finished();
  assert.equal(span!.spanContext().traceId, traceId);
  assert.equal(span!.parentSpanContext?.spanId, '00f067aa0ba902b7');
});

test('errors mark the span; unknown paths are one bounded route; metrics by route, method and status class', async () => {
  await app.inject({ method: 'GET', url: '/boom' });
  await app.inject({ method: 'GET', url: '/no/such/path/1' });
  await app.inject({ method: 'GET', url: '/no/such/path/2' });
  const spans = await t.finished();
  const boom = spans.find((s) => s.name === 'GET /boom')!;
  assert.equal(boom.status.code, SpanStatusCode.ERROR);
  assert.equal(boom.attributes['error.type'], '500');
  assert.equal(spans.filter((s) => s.name === 'GET').length, 2);

  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  const text = metrics.body;
  assert.match(text, /^http_server_requests_total\{method="GET",route="\/boom",status_class="5xx"\} 1$/m);
  assert.match(text, /^http_server_requests_total\{method="GET",route="unmatched",status_class="4xx"\} 2$/m);
  assert.match(
    text,
    /^http_server_request_duration_seconds_count\{method="GET",route="\/v1\/models\/:id",status_class="2xx"\} \d+$/m,
  );
  assert.equal(text.includes('/no/such/path'), false);
  assert.equal(text.includes('# {'), false, 'no exemplars in the Prometheus text format');
  // The scrape itself is not traced.
  assert.equal((await t.finished()).filter((s) => s.name.includes('/metrics')).length, 0);
});

test('scraped as OpenMetrics, the latency histogram carries trace_id exemplars', async () => {
  await app.inject({ method: 'GET', url: '/v1/models/ex' });
  const [span] = await t.finished();
  const metrics = await app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
  });
  assert.match(metrics.headers['content-type'] as string, /^application\/openmetrics-text/);
  assert.ok(metrics.body.endsWith('# EOF\n'));
  const traceId = span!.spanContext().traceId;
  assert.match(
    metrics.body,
    new RegExp(
      `^http_server_request_duration_seconds_bucket\\{[^}]*route="/v1/models/:id"[^}]*\\} \\d+ # \\{trace_id="${traceId}"\\}`,
      'm',
    ),
  );
});

test('health probes get no span and no http_server_* series', async () => {
  const probe = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(probe.statusCode, 200);
  assert.equal((await t.finished()).length, 0);
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(metrics.body.includes('route="/healthz"'), false);
});

test('a client that goes away mid-response ends the span with status 499 and is counted', async () => {
  const { port } = app.server.address() as import('node:net').AddressInfo;
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/stream' }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
    req.end();
  });
  let span: ReadableSpan | undefined;
  for (let i = 0; i < 100 && !span; i++) {
    span = (await t.finished()).find((s) => s.name === 'GET /stream');
    if (!span) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(span, 'the abandoned request has a finished span');
  assert.equal(span.attributes['http.response.status_code'], 499);
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(
    metrics.body,
    /^http_server_requests_total\{method="GET",route="\/stream",status_class="4xx"\} 1$/m,
  );
});
