// With a real nginx: its access-log lines become metrics and spans whose ids are the ones nginx returned,
// across a rotation done the way logrotate does it (rename, then SIGUSR1 so nginx reopens its logs).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { localNginxOptions, type NginxConfigOptions, renderNginxConfig } from '@opsight/nginx-gateway';
import { MetricsRegistry } from '@opsight/telemetry';
import { GatewayTelemetry, type GatewayTelemetryOptions } from '../src/gateway-telemetry.js';
import { tempDir } from './support/access-log-fixture.js';

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** A Node upstream, a real nginx in front of it and the sidecar on its access log. */
async function platform(
  t: { after: (fn: () => Promise<void>) => void },
  extra: (nginx: NginxConfigOptions) => Partial<GatewayTelemetryOptions> = () => ({}),
) {
  const cleanup: (() => Promise<void> | void)[] = [];
  t.after(async () => {
    for (const step of cleanup.reverse()) await step();
  });
  const dir = tempDir({ after: (fn) => cleanup.push(fn) });
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  cleanup.push(() => {
    upstream.closeAllConnections();
    upstream.close();
  });
  for (const sub of ['run', 'log/nginx', 'data/nginx/tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const port = await freePort();
  const options = localNginxOptions({
    varDir: dir,
    port,
    upstreamPort: (upstream.address() as AddressInfo).port,
  });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, renderNginxConfig(options));
  const nginx: ChildProcess = spawn(
    process.env.OPSIGHT_NGINX ?? '/usr/sbin/nginx',
    ['-p', dir, '-e', 'stderr', '-c', conf],
    {
      stdio: 'ignore',
    },
  );
  const exited = once(nginx, 'exit');
  cleanup.push(async () => {
    if (nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await exited;
    }
  });

  const exporter = new InMemorySpanExporter();
  const sidecar = await GatewayTelemetry.start({
    accessLog: options.accessLog,
    positionsFile: join(dir, 'positions.json'),
    listen: '127.0.0.1:0',
    registry: new MetricsRegistry({ defaultMetrics: false }),
    spanExporter: exporter,
    pollMs: 20,
    spanBatchDelayMs: 20,
    ...extra(options),
  });
  cleanup.push(() => sidecar.close());

  const ids: string[] = [];
  const call = async () => {
    for (let i = 0; ; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/models`);
        await res.arrayBuffer();
        ids.push(res.headers.get('traceparent')!);
        return;
      } catch (error) {
        if (i > 200) throw error; // nginx still starting
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  };
  /** nginx writes a line after the answer is sent: wait until as many spans as answers (or 5 s). */
  const settle = async () => {
    for (let i = 0; i < 250; i++) {
      await sidecar.flush();
      if (exporter.getFinishedSpans().length >= ids.length) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { nginx, options, sidecar, exporter, ids, call, settle };
}

test('nginx lines across a logrotate-style rotation: every request once, with nginx’s ids', async (t) => {
  const { nginx, options, sidecar, exporter, ids, call, settle } = await platform(t);
  for (let i = 0; i < 3; i++) await call();
  await sidecar.flush();
  renameSync(options.accessLog, `${options.accessLog}.1`);
  for (let i = 0; i < 2; i++) await call(); // still written to the renamed file
  await sidecar.flush();
  nginx.kill('SIGUSR1');
  for (let i = 0; i < 200 && !existsSync(options.accessLog); i++) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 2; i++) await call();
  await settle();

  const spans = exporter.getFinishedSpans();
  const got = spans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`).sort();
  assert.deepEqual(got, [...ids].sort());
  assert.ok(spans.every((s) => s.parentSpanContext === undefined && s.name === 'GET /v1/models'));
  const text = await (await fetch(`http://${sidecar.address}/metrics`)).text();
  assert.match(text, /^nginx_http_requests_total\{host="127\.0\.0\.1",status="200"\} 7$/m);
  assert.match(text, /^gateway_telemetry_log_reopens_total\{reason="rotated"\} 1$/m);
  assert.match(text, /^gateway_telemetry_parse_errors_total\{reason="truncated"\} 0$/m);
});

test('rotateBytes: a large, fully read log is rotated and nginx reopens it; nothing is lost', async (t) => {
  const { options, sidecar, exporter, ids, call, settle } = await platform(t, (o) => ({
    rotateBytes: 2000,
    nginxPidFile: o.pidFile,
  }));
  // Each line is about 500 bytes: the log passes 2000 bytes after a few requests.
  for (let i = 0; i < 6; i++) await call();
  await sidecar.flush();
  for (let i = 0; i < 400 && !existsSync(`${options.accessLog}.1`); i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.ok(existsSync(`${options.accessLog}.1`), 'the log was rotated');
  for (let i = 0; i < 200 && !existsSync(options.accessLog); i++) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 3; i++) await call();
  await settle();
  assert.ok(statSync(options.accessLog).size < 2000, 'nginx writes to a new file');
  const got = exporter
    .getFinishedSpans()
    .map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`);
  assert.deepEqual(got.sort(), [...ids].sort());
  const text = await (await fetch(`http://${sidecar.address}/metrics`)).text();
  assert.match(text, /^gateway_telemetry_log_reopens_total\{reason="rotated"\} [1-9]$/m);
});
