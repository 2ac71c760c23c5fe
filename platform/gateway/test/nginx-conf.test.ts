// The gateway's nginx.conf.template, exercised through a real nginx in front of a small Node upstream.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freePort, type RunningNginx, startNginx } from './support/nginx-process.js';

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('nginx gateway', () => {
  let upstream: Server;
  let nginx: RunningNginx;
  const seen: Seen[] = [];
  let connections = 0;
  let releaseStream: () => void = () => {};
  let endlessClosed: () => void = () => {};
  const endlessClosedOnce = new Promise<void>((resolve) => {
    endlessClosed = resolve;
  });

  before(async () => {
    upstream = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => {
        if (req.url === '/v1/endless') {
          // A generation that only stops when the connection goes away.
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const timer = setInterval(() => res.write('data: tick\n\n'), 20);
          res.on('close', () => {
            clearInterval(timer);
            endlessClosed();
          });
          return;
        }
        if (req.url === '/v1/stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write('data: one\n\n');
          const release = () => {
            res.end('data: two\n\ndata: [DONE]\n\n');
          };
          const timer = setTimeout(release, 5_000);
          releaseStream = () => {
            clearTimeout(timer);
            release();
          };
          return;
        }
        // The upstream's own ids must not reach the client beside the gateway's.
        res.writeHead(200, {
          'content-type': 'application/json',
          traceparent: '00-11111111111111111111111111111111-2222222222222222-01',
          'x-request-id': 'upstream-id',
        });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    upstream.on('connection', () => {
      connections++;
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    nginx = await startNginx((upstream.address() as AddressInfo).port, {
      maxBodySize: '1k',
      maxHeaderSize: '1k',
    });
  });

  after(async () => {
    await nginx?.stop();
    upstream?.closeAllConnections();
    upstream?.close();
  });

  const url = (path: string) => `http://127.0.0.1:${nginx.port}${path}`;

  function accessLog(): Record<string, unknown>[] {
    if (!existsSync(nginx.accessLog)) return [];
    return readFileSync(nginx.accessLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async function logLineFor(traceId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 100; i++) {
      const line = accessLog().find((l) => l.trace_id === traceId);
      if (line) return line;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no access-log line for ${traceId}`);
  }

  test('starts a trace: traceparent and X-Request-ID sent upstream and returned', async () => {
    const res = await fetch(url('/v1/models'));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
    const traceparent = res.headers.get('traceparent') ?? '';
    const m = TRACEPARENT.exec(traceparent);
    assert.ok(m, `traceparent ${traceparent}`);
    const [, traceId, spanId] = m;
    assert.equal(spanId, traceId!.slice(0, 16));
    assert.equal(res.headers.get('x-request-id'), `req-${traceId}`);
    const got = seen.at(-1)!;
    assert.equal(got.url, '/v1/models');
    assert.equal(got.headers.traceparent, traceparent);
    assert.equal(got.headers['x-request-id'], `req-${traceId}`);
    assert.equal(got.headers['x-forwarded-for'], '127.0.0.1');
  });

  test('each request gets its own trace id', async () => {
    const a = await fetch(url('/v1/models'));
    const b = await fetch(url('/v1/models'));
    await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
    assert.notEqual(a.headers.get('traceparent'), b.headers.get('traceparent'));
  });

  test('an incoming traceparent is not trusted, only logged; tracestate and baggage are dropped', async () => {
    const incoming = '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01';
    const res = await fetch(url('/v1/chat/completions'), {
      method: 'POST',
      headers: {
        traceparent: incoming,
        tracestate: 'vendor=1',
        baggage: 'user=mallory',
        'x-request-id': 'req-forged',
        'content-type': 'application/json',
      },
      body: '{"model":"m"}',
    });
    await res.arrayBuffer();
    const traceparent = res.headers.get('traceparent')!;
    assert.notEqual(traceparent, incoming);
    const traceId = TRACEPARENT.exec(traceparent)![1]!;
    assert.notEqual(traceId, 'a'.repeat(32));
    const got = seen.at(-1)!;
    assert.equal(got.headers.traceparent, traceparent);
    assert.equal(got.headers['x-request-id'], `req-${traceId}`);
    assert.equal(got.headers.tracestate, undefined);
    assert.equal(got.headers.baggage, undefined);
    const line = await logLineFor(traceId);
    assert.equal(line.incoming_traceparent, incoming);
    assert.equal(line.method, 'POST');
  });

  test('one JSON access-log line per request with the agreed fields', async () => {
    const res = await fetch(url('/v1/models?x=1'), { headers: { 'user-agent': 'agent "quoted" \\ x' } });
    await res.arrayBuffer();
    const traceId = TRACEPARENT.exec(res.headers.get('traceparent')!)![1]!;
    const line = await logLineFor(traceId);
    assert.equal(accessLog().filter((l) => l.trace_id === traceId).length, 1);
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    assert.equal(typeof line.msec, 'number');
    assert.equal(line.span_id, traceId.slice(0, 16));
    assert.equal(line.request_id, `req-${traceId}`);
    assert.equal(line.remote_addr, '127.0.0.1');
    assert.equal(line.host, '127.0.0.1');
    assert.equal(line.method, 'GET');
    assert.equal(line.uri, '/v1/models?x=1');
    assert.equal(line.status, 200);
    assert.equal(typeof line.request_length, 'number');
    assert.ok((line.request_length as number) > 0);
    assert.equal(typeof line.bytes_sent, 'number');
    assert.ok((line.bytes_sent as number) > 11);
    assert.equal(typeof line.request_time, 'number');
    assert.match(String(line.upstream_response_time), /^\d+\.\d{3}$/);
    assert.equal(line.upstream_status, '200');
    assert.equal(line.user_agent, 'agent "quoted" \\ x');
    assert.equal(line.incoming_traceparent, '');
  });

  test('the upstream connection is kept alive across requests', async () => {
    const before = connections;
    for (let i = 0; i < 5; i++) await (await fetch(url('/v1/models'))).arrayBuffer();
    assert.ok(connections - before <= 1, `${connections - before} new upstream connections for 5 requests`);
  });

  test('a body over the limit is answered 413 by nginx, as JSON with the trace id', async () => {
    const count = seen.length;
    const res = await fetch(url('/v1/chat/completions'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(4096) }] }),
    });
    assert.equal(res.status, 413);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as { error: Record<string, string> };
    const traceId = TRACEPARENT.exec(res.headers.get('traceparent')!)![1]!;
    assert.equal(body.error.code, 'REQUEST_BODY_TOO_LARGE');
    assert.equal(body.error.param, 'body');
    assert.equal(body.error.trace_id, traceId);
    assert.equal(res.headers.get('x-request-id'), `req-${traceId}`);
    assert.equal(seen.length, count, 'the upstream was not called');
    assert.equal((await logLineFor(traceId)).status, 413);
  });

  test('a header over the limit is answered 400 as JSON naming the headers', async () => {
    const res = await fetch(url('/v1/models'), { headers: { 'x-big': 'y'.repeat(2048) } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: Record<string, string> };
    assert.equal(body.error.code, 'REQUEST_HEADERS_TOO_LARGE');
    assert.equal(body.error.param, 'headers');
    assert.match(res.headers.get('traceparent') ?? '', TRACEPARENT);
  });

  test('server-sent events reach the client before the upstream finishes (not buffered)', async () => {
    const chunks: string[] = [];
    let releasedByTest = false;
    await new Promise<void>((resolve, reject) => {
      const req = request(url('/v1/stream'), { method: 'POST' }, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          chunks.push(chunk);
          if (chunks.length === 1) {
            releasedByTest = true;
            releaseStream();
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.ok(releasedByTest);
    assert.equal(chunks[0], 'data: one\n\n');
    assert.match(chunks.join(''), /data: two\n\ndata: \[DONE\]\n\n$/);
  });

  test('a client leaving mid-stream closes the upstream connection, so the generation can stop', {
    timeout: 10_000,
  }, async () => {
    const controller = new AbortController();
    const res = await fetch(url('/v1/endless'), { method: 'POST', body: '{}', signal: controller.signal });
    const traceId = TRACEPARENT.exec(res.headers.get('traceparent')!)![1]!;
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await endlessClosedOnce;
    // The status was already sent: nginx logs it (200), not 499, and the bytes that reached the client.
    const line = await logLineFor(traceId);
    assert.equal(line.status, 200);
    assert.ok((line.bytes_sent as number) > 0);
  });

  test('an unknown path is a JSON 404 from the gateway', async () => {
    const count = seen.length;
    const res = await fetch(url('/admin'));
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: Record<string, string> };
    assert.equal(body.error.code, 'NOT_FOUND');
    assert.equal(seen.length, count);
  });

  test('a crafted path cannot add fields to the 404 body: it is valid JSON, echoing nothing', async () => {
    for (const path of [
      '/x%22,%22admin%22:true,%22a%22:%22',
      '/x%22%7D,%22admin%22:true,%7B%22a%22:%22',
      '/x%5C%22,%22admin%22:true%7D%7D%0A',
      '/%3Cscript%3Ealert(1)%3C/script%3E',
    ]) {
      const res = await fetch(url(path));
      assert.equal(res.status, 404, path);
      const text = await res.text();
      const body = JSON.parse(text) as { error: Record<string, unknown> };
      assert.deepEqual(Object.keys(body), ['error'], path);
      assert.deepEqual(
        Object.keys(body.error).sort(),
        ['code', 'message', 'request_id', 'trace_id', 'type'],
        `${path}: ${text}`,
      );
      assert.equal(body.error.code, 'NOT_FOUND');
      assert.equal(body.error.trace_id, TRACEPARENT.exec(res.headers.get('traceparent')!)![1]);
      assert.doesNotMatch(text, /admin|script/, `${path}: no request data in the body`);
    }
  });

  test('an unreachable API service is a JSON 502 carrying the trace id', async () => {
    const dead = await startNginx(await freePort());
    try {
      const res = await fetch(`http://127.0.0.1:${dead.port}/v1/models`);
      assert.equal(res.status, 502);
      const body = (await res.json()) as { error: Record<string, string> };
      assert.equal(body.error.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(body.error.trace_id, TRACEPARENT.exec(res.headers.get('traceparent')!)![1]);
    } finally {
      await dead.stop();
    }
  });
});
