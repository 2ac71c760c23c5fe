// Third-party Loki clients from npm push to the store and their lines come back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import pinoLoki from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';

let store: LogStore;
before(async () => {
  store = createLogStore({ dataDir: ':memory:', port: 0 });
  await store.listen();
});
after(() => store.close());

async function read(
  query: string,
  want: number,
): Promise<Array<{ stream: Record<string, string>; line: string }>> {
  const end = Date.now() + 10_000;
  for (;;) {
    const u = new URL(`${store.url}/loki/api/v1/query_range`);
    u.searchParams.set('query', query);
    u.searchParams.set('start', String((Date.now() - 600_000) * 1e6));
    u.searchParams.set('end', String((Date.now() + 60_000) * 1e6));
    const body = (await (await fetch(u)).json()) as {
      data: { result: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> };
    };
    const got = body.data.result.flatMap((s) => s.values.map((v) => ({ stream: s.stream, line: v[1] })));
    if (got.length >= want || Date.now() > end) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('pino-loki pushes JSON lines with labels and structured metadata', async () => {
  const stream = pinoLoki({
    host: store.url,
    batching: false,
    labels: { app: 'pino-app' },
    structuredMetaKey: 'meta',
  });
  const logger = pino({ level: 'info' }, stream);
  logger.info({ meta: { trace_id: 'pino-trace-1', attempt: 2 }, path: '/v1/models' }, 'hello from pino');
  logger.error('pino failure');
  const got = await read('{app="pino-app"}', 2);
  assert.equal(got.length, 2);
  const hello = got.find((g) => g.line.includes('hello from pino'));
  assert.ok(hello, JSON.stringify(got));
  assert.equal(JSON.parse(hello.line).path, '/v1/models');
  assert.equal(hello.stream.level, 'info');
  const traced = await read('{trace_id="pino-trace-1"}', 1);
  assert.equal(traced.length, 1);
  assert.equal(traced[0]!.stream.attempt, '2');
  stream.end();
});

test('winston-loki pushes over snappy protobuf and over JSON', async () => {
  for (const json of [false, true]) {
    const app = json ? 'winston-json' : 'winston-proto';
    const errors: unknown[] = [];
    const transport = new LokiTransport({
      host: store.url,
      labels: { app },
      json,
      batching: false,
      format: winston.format.json(),
      onConnectionError: (e: unknown) => errors.push(e),
    });
    const logger = winston.createLogger({ transports: [transport] });
    logger.info('hello from winston', { user_id: 'u-9' });
    logger.warn('winston warning');
    const got = await read(`{app="${app}"}`, 2);
    assert.deepEqual(errors, []);
    assert.equal(got.length, 2, JSON.stringify(got));
    assert.ok(got.some((g) => g.line.includes('hello from winston')));
    logger.close();
  }
});
