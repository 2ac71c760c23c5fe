/**
 * Failover from model-serving instances that die or freeze, with real child processes: a frozen instance
 * (SIGSTOP) still accepts TCP connections (the kernel does) and never answers, so only the router's own
 * checks can take its calls away. Every call must end within the test's timeout (no timing assertions).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { buildServingApp, modelProfile } from '@opsight/model-serving';
import { startTestTelemetry } from '@opsight/telemetry/testing';
import type { FastifyInstance } from 'fastify';
import { parseRoutingConfig } from '../src/config/routing-config.js';
import { loadModelRouterProto } from '../src/internal/proto.js';
import { type RouterServer, startRouterServer } from '../src/server.js';

type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
// biome-ignore lint/suspicious/noExplicitAny: decoded protobuf messages
type Message = any;
const { Client: RouterClient } = loadModelRouterProto();

/**
 * A model-serving stand-in in its own process: /healthz answers 200; completions are answered after
 * `answerMs` (a long generation), so a call is in flight on it when it is frozen or killed.
 */
const CHILD = `
const http = require('node:http');
const answerMs = Number(process.argv[1]);
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"status":"ok"}'); return; }
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => setTimeout(() => {
    const model = JSON.parse(body).model;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'c-1', model, choices: [{ message: { role: 'assistant', content: 'from the child' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 } }));
  }, answerMs));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function startChild(answerMs: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', CHILD, String(answerMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

const children: ChildProcess[] = [];
let fallback: FastifyInstance;
let fallbackUrl: string;

before(async () => {
  startTestTelemetry('model-router-failover-test');
  fallback = await buildServingApp({ models: [modelProfile('small', 'instant')], onCrash: () => {} });
  fallbackUrl = await fallback.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  for (const c of children) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  await fallback.close();
});

async function withRouter(
  backendUrl: string,
  fn: (client: Client, server: RouterServer) => Promise<void>,
  extra: object = {},
) {
  const config = parseRoutingConfig({
    backends: { child: { url: backendUrl }, small: { url: fallbackUrl } },
    models: {
      big: { backends: [{ backend: 'child' }], fallbacks: ['small'] },
      small: { backends: [{ backend: 'small' }] },
    },
    healthCheck: { intervalMs: 100, timeoutMs: 200, unhealthyThreshold: 2 },
    retry: { maxAttempts: 3, budgetRatio: 1, minRetriesPerSecond: 100 },
    ...extra,
  });
  const server = await startRouterServer({ config, port: 0, metricsPort: 0 });
  await server.router.health.firstRound;
  const client = new RouterClient(
    `127.0.0.1:${server.port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as Client;
  try {
    await fn(client, server);
  } finally {
    client.close();
    await server.close();
  }
}

function generate(
  client: Client,
  request: object,
  method = 'Generate',
): Promise<{ error: grpc.ServiceError | null; value: Message }> {
  const deadline = { deadline: Date.now() + 60_000 };
  if (method === 'Generate') {
    return new Promise((resolve) =>
      client.Generate!(request, deadline, (error: grpc.ServiceError | null, value: unknown) =>
        resolve({ error, value }),
      ),
    );
  }
  const stream = client.GenerateStream!(request, deadline) as grpc.ClientReadableStream<Message>;
  const chunks: Message[] = [];
  return new Promise((resolve) => {
    stream.on('data', (c) => chunks.push(c));
    stream.on('error', (error: grpc.ServiceError) => resolve({ error, value: chunks }));
    stream.on('end', () => resolve({ error: null, value: chunks }));
  });
}

const request = { model: 'big', messages: [{ role: 'user', content: 'hello' }] };

test('a frozen instance (SIGSTOP): calls in flight on it move to the fallback once checks fail', {
  timeout: 45_000,
}, async () => {
  const { child, url } = await startChild(30_000);
  children.push(child);
  await withRouter(url, async (client, server) => {
    assert.equal(server.router.backends.get('child')!.healthy, true);
    // Both calls are sent to the child (the only backend of `big`), which takes 30 s to answer.
    const unary = generate(client, request);
    const stream = generate(client, request, 'GenerateStream');
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGSTOP');
    const [u, s] = await Promise.all([unary, stream]);
    assert.equal(u.error, null, u.error?.message);
    assert.equal(u.value.backend, 'small');
    assert.equal(u.value.model, 'small');
    assert.equal(s.error, null, s.error?.message);
    assert.equal(s.value.at(-1).finish_reason, 'stop');
    assert.ok(s.value.every((c: Message) => c.backend === 'small'));
    assert.equal(server.router.backends.get('child')!.healthy, false);
    // New calls skip it at once.
    const next = await generate(client, request);
    assert.equal(next.value.backend, 'small');
    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    assert.match(metrics, /^model_router_backend_up\{backend="child"\} 0$/m);
    assert.match(metrics, /^model_router_fallbacks_total\{model_name="big"\} 3$/m);
  });
  child.kill('SIGCONT');
  child.kill('SIGKILL');
});

test('without abortInFlight the frozen instance holds the call until its deadline', {
  timeout: 45_000,
}, async () => {
  const { child, url } = await startChild(30_000);
  children.push(child);
  await withRouter(
    url,
    async (client) => {
      const call = new Promise<grpc.ServiceError | null>((resolve) =>
        client.Generate!(request, { deadline: Date.now() + 2000 }, (error: grpc.ServiceError | null) =>
          resolve(error),
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGSTOP');
      assert.equal((await call)?.code, grpc.status.DEADLINE_EXCEEDED);
    },
    { healthCheck: { intervalMs: 100, timeoutMs: 200, unhealthyThreshold: 2, abortInFlight: false } },
  );
  child.kill('SIGCONT');
  child.kill('SIGKILL');
});

test('an instance killed (SIGKILL) mid-call: the call is retried on the fallback', {
  timeout: 45_000,
}, async () => {
  const { child, url } = await startChild(30_000);
  children.push(child);
  await withRouter(url, async (client) => {
    const call = generate(client, request);
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGKILL');
    const { error, value } = await call;
    assert.equal(error, null, error?.message);
    assert.equal(value.backend, 'small');
  });
});
